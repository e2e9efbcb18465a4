using System.Globalization;
using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Internal;

/// <summary>The objects an emulator starts with.</summary>
internal static class Scenarios
{
    public static void Seed(KubeApiEmulator emulator, KubeApiEmulatorOptions options)
    {
        var state = emulator.State;
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            Create(state, Json("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":""" + "\"" + ns + "\"}}"));
        }
        Create(state, Json("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"kubernetes","namespace":"default","labels":{"component":"apiserver","provider":"kubernetes"}},
             "spec":{"clusterIP":"10.96.0.1","ports":[{"name":"https","port":443,"protocol":"TCP","targetPort":6443}],"sessionAffinity":"None","type":"ClusterIP"}}
            """));
        var port = emulator.Url.Port;
        state.Upsert(ResourceCatalog.Endpoints, Json($$$"""
            {"metadata":{"name":"kubernetes","namespace":"default","labels":{"endpointslice.kubernetes.io/skip-mirror":"true"}},
             "subsets":[{"addresses":[{"ip":"127.0.0.1"}],"ports":[{"name":"https","port":{{{port}}},"protocol":"TCP"}]}]}
            """));
        if (options.Scenario == EmulatorScenario.Guide)
        {
            SeedGuide(emulator, state);
        }
        else
        {
            Create(state, Node("emulator-node", "192.0.2.10", null, controlPlane: true));
        }
        if (options.SyntheticPods > 0)
        {
            SeedSynthetic(state, options.SyntheticPods, options.SyntheticNamespaces);
        }
    }

    private static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();

    private static void Create(EmulatorState state, JsonObject obj)
    {
        var apiVersion = JsonUtil.Str(obj["apiVersion"]);
        var kind = JsonUtil.Str(obj["kind"]);
        var def = ResourceCatalog.All.First(d => d.ApiVersion == apiVersion && d.Kind == kind);
        var ns = def.Namespaced ? JsonUtil.Str(obj["metadata"]?["namespace"]) ?? "default" : null;
        state.Create(def, ns, obj);
    }

    public static JsonObject Node(string name, string internalIp, string? externalIp, bool controlPlane = false)
    {
        var addresses = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = internalIp });
        if (externalIp is not null)
        {
            addresses.Add(new JsonObject { ["type"] = "ExternalIP", ["address"] = externalIp });
        }
        addresses.Add(new JsonObject { ["type"] = "Hostname", ["address"] = name });
        var labels = new JsonObject
        {
            ["beta.kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
        };
        if (controlPlane)
        {
            labels["node-role.kubernetes.io/control-plane"] = "";
        }
        var now = JsonUtil.Now();
        var conditions = new JsonArray();
        foreach (var (type, status, reason, message) in new[]
        {
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        })
        {
            conditions.Add(new JsonObject { ["type"] = type, ["status"] = status, ["lastHeartbeatTime"] = now, ["lastTransitionTime"] = now, ["reason"] = reason, ["message"] = message });
        }
        var resources = new JsonObject { ["cpu"] = "4", ["ephemeral-storage"] = "102350Mi", ["memory"] = "16331484Ki", ["pods"] = "110" };
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["spec"] = new JsonObject { ["podCIDR"] = "198.51.100.0/24", ["podCIDRs"] = new JsonArray("198.51.100.0/24") },
            ["status"] = new JsonObject
            {
                ["capacity"] = resources.DeepClone(),
                ["allocatable"] = resources,
                ["conditions"] = conditions,
                ["addresses"] = addresses,
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["machineID"] = Defaults.Hash64(name)[..32],
                    ["systemUUID"] = Guid.NewGuid().ToString(),
                    ["bootID"] = Guid.NewGuid().ToString(),
                    ["kernelVersion"] = "6.8.0-emulator",
                    ["osImage"] = "Kube.Access emulator (Linux)",
                    ["containerRuntimeVersion"] = "containerd://1.7.22",
                    ["kubeletVersion"] = "v1.32.0",
                    ["kubeProxyVersion"] = "v1.32.0",
                    ["operatingSystem"] = "linux",
                    ["architecture"] = "amd64",
                },
            },
        };
    }

    private const string Corefile = ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n";

    private static void SeedGuide(KubeApiEmulator emulator, EmulatorState state)
    {
        Create(state, Node("worker1", "192.0.2.11", "192.0.2.101"));
        Create(state, Node("worker2", "192.0.2.12", "192.0.2.102"));

        // kube-system: CoreDNS (kube-dns) and metrics-server, labelled as cluster services.
        var coreConfig = Json("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"coredns","namespace":"kube-system"},"data":{}}""");
        coreConfig["data"]!["Corefile"] = Corefile;
        Create(state, coreConfig);
        Create(state, Json("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"coredns","namespace":"kube-system","labels":{"k8s-app":"kube-dns"}},
             "spec":{"replicas":2,"selector":{"matchLabels":{"k8s-app":"kube-dns"}},
              "template":{"metadata":{"labels":{"k8s-app":"kube-dns"}},
               "spec":{"priorityClassName":"system-cluster-critical","serviceAccountName":"coredns","containers":[{"name":"coredns","image":"registry.k8s.io/coredns/coredns:v1.11.3","args":["-conf","/etc/coredns/Corefile"],
                 "ports":[{"name":"dns","containerPort":53,"protocol":"UDP"},{"name":"dns-tcp","containerPort":53,"protocol":"TCP"},{"name":"metrics","containerPort":9153,"protocol":"TCP"}],
                 "volumeMounts":[{"name":"config-volume","mountPath":"/etc/coredns","readOnly":true}]}],
                "volumes":[{"name":"config-volume","configMap":{"name":"coredns","items":[{"key":"Corefile","path":"Corefile"}]}}]}}}}
            """));
        Create(state, Json("""{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"coredns","namespace":"kube-system"}}"""));
        Create(state, Json("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"kube-dns","namespace":"kube-system","labels":{"k8s-app":"kube-dns","kubernetes.io/cluster-service":"true","kubernetes.io/name":"CoreDNS"},
              "annotations":{"prometheus.io/port":"9153","prometheus.io/scrape":"true"}},
             "spec":{"clusterIP":"10.96.0.10","selector":{"k8s-app":"kube-dns"},
              "ports":[{"name":"dns","port":53,"protocol":"UDP","targetPort":53},{"name":"dns-tcp","port":53,"protocol":"TCP","targetPort":53},{"name":"metrics","port":9153,"protocol":"TCP","targetPort":9153}]}}
            """));
        Create(state, Json("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"metrics-server","namespace":"kube-system","labels":{"k8s-app":"metrics-server"}},
             "spec":{"replicas":1,"selector":{"matchLabels":{"k8s-app":"metrics-server"}},
              "template":{"metadata":{"labels":{"k8s-app":"metrics-server"}},
               "spec":{"containers":[{"name":"metrics-server","image":"registry.k8s.io/metrics-server/metrics-server:v0.7.2","ports":[{"name":"https","containerPort":10250,"protocol":"TCP"}]}]}}}}
            """));
        Create(state, Json("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"metrics-server","namespace":"kube-system","labels":{"k8s-app":"metrics-server","kubernetes.io/cluster-service":"true","kubernetes.io/name":"Metrics-server"}},
             "spec":{"selector":{"k8s-app":"metrics-server"},"ports":[{"name":"https","port":443,"protocol":"TCP","targetPort":"https"}]}}
            """));

        // The dashboard (guide chapter "Deploy and Access the Kubernetes Dashboard").
        Create(state, Json("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kubernetes-dashboard"}}"""));
        Create(state, Json("""{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"kubernetes-dashboard","namespace":"kubernetes-dashboard","labels":{"k8s-app":"kubernetes-dashboard"}}}"""));
        Create(state, Json("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"kubernetes-dashboard","namespace":"kubernetes-dashboard","labels":{"k8s-app":"kubernetes-dashboard"}},
             "spec":{"replicas":1,"selector":{"matchLabels":{"k8s-app":"kubernetes-dashboard"}},
              "template":{"metadata":{"labels":{"k8s-app":"kubernetes-dashboard"}},
               "spec":{"serviceAccountName":"kubernetes-dashboard","containers":[{"name":"kubernetes-dashboard","image":"kubernetesui/dashboard:v2.2.0","args":["--auto-generate-certificates","--namespace=kubernetes-dashboard"],"ports":[{"containerPort":8443,"protocol":"TCP"}]}]}}}}
            """));
        Create(state, Json("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"kubernetes-dashboard","namespace":"kubernetes-dashboard","labels":{"k8s-app":"kubernetes-dashboard"}},
             "spec":{"selector":{"k8s-app":"kubernetes-dashboard"},"ports":[{"port":443,"targetPort":8443}]}}
            """));

        // MongoDB (guide chapter "Use Port Forwarding to Access Applications in a Cluster").
        Create(state, Json("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"mongo","namespace":"default","labels":{"app.kubernetes.io/name":"mongo","app.kubernetes.io/component":"backend"}},
             "spec":{"replicas":1,"selector":{"matchLabels":{"app.kubernetes.io/name":"mongo","app.kubernetes.io/component":"backend"}},
              "template":{"metadata":{"labels":{"app.kubernetes.io/name":"mongo","app.kubernetes.io/component":"backend"}},
               "spec":{"containers":[{"name":"mongo","image":"mongo:4.2","args":["--bind_ip","0.0.0.0"],"ports":[{"containerPort":27017}]}]}}}}
            """));
        Create(state, Json("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"mongo","namespace":"default","labels":{"app.kubernetes.io/name":"mongo","app.kubernetes.io/component":"backend"}},
             "spec":{"selector":{"app.kubernetes.io/name":"mongo","app.kubernetes.io/component":"backend"},"ports":[{"name":"mongo","port":27017,"targetPort":27017}]}}
            """));
        foreach (var pod in state.Pods.Snapshot.Range("default").Where(p => p.GetLabel("app.kubernetes.io/name") == "mongo").ToList())
        {
            emulator.BindPodPort("default", pod.Name, 27017, PodBackend.Echo);
        }

        // Hello World (guide chapter "Use a Service to Access an Application in a Cluster").
        Create(state, Json("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"hello-world","namespace":"default"},
             "spec":{"selector":{"matchLabels":{"run":"load-balancer-example"}},"replicas":2,
              "template":{"metadata":{"labels":{"run":"load-balancer-example"}},
               "spec":{"containers":[{"name":"hello-world","image":"gcr.io/google-samples/node-hello:1.0","ports":[{"containerPort":8080,"protocol":"TCP"}]}]}}}}
            """));

        // The backend of "Connect a Frontend to a Backend Using Services".
        Create(state, Json("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"backend","namespace":"default","labels":{"app":"hello","tier":"backend","track":"stable"}},
             "spec":{"selector":{"matchLabels":{"app":"hello","tier":"backend","track":"stable"}},"replicas":3,
              "template":{"metadata":{"labels":{"app":"hello","tier":"backend","track":"stable"}},
               "spec":{"containers":[{"name":"hello","image":"gcr.io/google-samples/hello-go-gke:1.0","ports":[{"name":"http","containerPort":80}]}]}}}}
            """));
        Create(state, Json("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"hello","namespace":"default"},
             "spec":{"selector":{"app":"hello","tier":"backend"},"ports":[{"protocol":"TCP","port":80,"targetPort":"http"}]}}
            """));
    }

    private static void SeedSynthetic(EmulatorState state, int count, int namespaceCount)
    {
        var rng = new Random(20240611);
        var nodeCount = Math.Clamp(count / 110 + 1, 1, 200);
        var nodes = new (string Name, string Ip)[nodeCount];
        for (var i = 0; i < nodeCount; i++)
        {
            var name = "pool-node-" + i.ToString("D3", CultureInfo.InvariantCulture);
            var ip = "192.0.2." + (20 + (i % 230)).ToString(CultureInfo.InvariantCulture);
            nodes[i] = (name, ip);
            Create(state, Node(name, ip, null));
        }
        var namespaces = new string[namespaceCount];
        for (var i = 0; i < namespaceCount; i++)
        {
            namespaces[i] = "team-" + i.ToString("D2", CultureInfo.InvariantCulture);
            if (!state.Namespaces.TryGet("", namespaces[i], out _))
            {
                Create(state, Json("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":""" + "\"" + namespaces[i] + "\"}}"));
            }
        }
        var apps = SyntheticPod.Apps;
        var totalWeight = apps.Sum(a => a.Weight);
        // One "deployment" (shared label array and template hash) per namespace and app.
        var groups = new Dictionary<(int Ns, int App), (KeyValuePair<string, string>[] Labels, string Prefix)>();
        var objects = new List<StoredObject>(count);
        var baseTime = (int)DateTimeOffset.UtcNow.AddDays(-3).ToUnixTimeSeconds();
        for (var i = 0; i < count; i++)
        {
            var nsIndex = i % namespaceCount;
            var pick = rng.Next(totalWeight);
            var appIndex = 0;
            while (pick >= apps[appIndex].Weight)
            {
                pick -= apps[appIndex].Weight;
                appIndex++;
            }
            if (!groups.TryGetValue((nsIndex, appIndex), out var group))
            {
                var hash = Controllers.TemplateHash(JsonValue.Create(namespaces[nsIndex] + "/" + apps[appIndex].Name));
                group = ([new("app", apps[appIndex].Name), new("pod-template-hash", hash)], apps[appIndex].Name + "-" + hash + "-");
                groups[(nsIndex, appIndex)] = group;
            }
            var node = nodes[rng.Next(nodeCount)];
            var name = group.Prefix + Suffix(i);
            var pod = new SyntheticPod(i, (byte)appIndex, (byte)(i % 253 + 1), node.Ip, baseTime + rng.Next(200_000));
            objects.Add(StoredObject.Synthetic(namespaces[nsIndex], name, state.NextResourceVersion(), group.Labels, node.Name, pod));
        }
        state.Pods.BulkLoad(objects);
    }

    private static string Suffix(int i)
    {
        // A unique 5-character suffix from the pod-name alphabet (27^5 > 14 million).
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        Span<char> c = stackalloc char[5];
        var n = (uint)i * 2654435761u % 14348907u;
        for (var k = 4; k >= 0; k--)
        {
            c[k] = alphabet[(int)(n % 27)];
            n /= 27;
        }
        return new string(c);
    }
}
