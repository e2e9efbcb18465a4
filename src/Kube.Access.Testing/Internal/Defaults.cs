using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Internal;

/// <summary>The apiserver's defaulting and allocation (cluster IPs, node ports, pod scheduling and status).</summary>
internal sealed class Defaults
{
    private readonly EmulatorState _state;
    private int _podIpCursor = 1;
    private int _nodeCursor;

    public Defaults(EmulatorState state)
    {
        _state = state;
        state.Defaulter = Apply;
    }

    public void Apply(ResourceDef def, JsonObject obj, JsonObject? old)
    {
        switch (def.Kind)
        {
            case "Pod":
                DefaultPodSpec(JsonUtil.Ensure(obj, "spec"));
                if (old is null)
                {
                    SchedulePod(obj);
                }
                break;
            case "Service":
                DefaultService(obj, old);
                break;
            case "Deployment":
            {
                var spec = JsonUtil.Ensure(obj, "spec");
                spec["replicas"] ??= 1;
                spec["revisionHistoryLimit"] ??= 10;
                spec["progressDeadlineSeconds"] ??= 600;
                if (spec["strategy"] is null)
                {
                    spec["strategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = "25%", ["maxSurge"] = "25%" } };
                }
                DefaultTemplate(spec);
                obj["status"] ??= new JsonObject();
                break;
            }
            case "ReplicaSet":
            case "StatefulSet":
            {
                var spec = JsonUtil.Ensure(obj, "spec");
                spec["replicas"] ??= 1;
                DefaultTemplate(spec);
                obj["status"] ??= new JsonObject { ["replicas"] = 0 };
                break;
            }
            case "DaemonSet":
                DefaultTemplate(JsonUtil.Ensure(obj, "spec"));
                break;
            case "Namespace":
            {
                var meta = JsonUtil.Ensure(obj, "metadata");
                var labels = JsonUtil.Ensure(meta, "labels");
                labels["kubernetes.io/metadata.name"] = JsonUtil.Str(meta["name"]);
                var spec = JsonUtil.Ensure(obj, "spec");
                spec["finalizers"] ??= new JsonArray("kubernetes");
                JsonUtil.Ensure(obj, "status")["phase"] ??= "Active";
                break;
            }
            case "Secret":
                obj["type"] ??= "Opaque";
                break;
        }
    }

    private static void DefaultTemplate(JsonObject spec)
    {
        if (spec["template"] is JsonObject t)
        {
            JsonUtil.Ensure(t, "metadata")["creationTimestamp"] ??= null;
            DefaultPodSpec(JsonUtil.Ensure(t, "spec"));
        }
    }

    public static void DefaultPodSpec(JsonObject spec)
    {
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["securityContext"] ??= new JsonObject();
        spec["schedulerName"] ??= "default-scheduler";
        if (spec["serviceAccountName"] is null && spec["serviceAccount"] is null)
        {
            spec["serviceAccountName"] = "default";
            spec["serviceAccount"] = "default";
        }
        spec["enableServiceLinks"] ??= true;
        foreach (var listName in new[] { "initContainers", "containers" })
        {
            if (spec[listName] is not JsonArray containers)
            {
                continue;
            }
            foreach (var c in containers.OfType<JsonObject>())
            {
                var image = JsonUtil.Str(c["image"]) ?? "";
                c["imagePullPolicy"] ??= ImagePullPolicy(image);
                c["terminationMessagePath"] ??= "/dev/termination-log";
                c["terminationMessagePolicy"] ??= "File";
                c["resources"] ??= new JsonObject();
                if (c["ports"] is JsonArray ports)
                {
                    foreach (var p in ports.OfType<JsonObject>())
                    {
                        p["protocol"] ??= "TCP";
                    }
                }
            }
        }
    }

    private static string ImagePullPolicy(string image)
    {
        var lastSlash = image.LastIndexOf('/');
        var tagPart = image[(lastSlash + 1)..];
        if (image.Contains('@'))
        {
            return "IfNotPresent";
        }
        var colon = tagPart.IndexOf(':');
        return colon < 0 || tagPart[(colon + 1)..] == "latest" ? "Always" : "IfNotPresent";
    }

    private void SchedulePod(JsonObject pod)
    {
        var spec = JsonUtil.Ensure(pod, "spec");
        var nodeName = JsonUtil.Str(spec["nodeName"]);
        StoredObject? node = null;
        if (string.IsNullOrEmpty(nodeName))
        {
            var nodes = _state.Nodes.Snapshot.Items;
            if (nodes.Count > 0)
            {
                node = nodes[Interlocked.Increment(ref _nodeCursor) % nodes.Count];
                nodeName = node.Name;
                spec["nodeName"] = nodeName;
            }
        }
        else
        {
            _state.Nodes.TryGet("", nodeName, out node!);
        }
        var status = pod["status"] as JsonObject;
        if (status is not null && JsonUtil.Str(status["phase"]) is not null)
        {
            return;
        }
        status = new JsonObject();
        pod["status"] = status;
        if (string.IsNullOrEmpty(nodeName))
        {
            status["phase"] = "Pending";
            status["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "PodScheduled",
                ["status"] = "False",
                ["lastProbeTime"] = null,
                ["lastTransitionTime"] = JsonUtil.Now(),
                ["reason"] = "Unschedulable",
                ["message"] = "0/0 nodes are available: no nodes available to schedule pods.",
            });
            status["qosClass"] = "BestEffort";
            return;
        }
        var now = JsonUtil.Now();
        var podIp = NextPodIp();
        var hostIp = node is null ? "192.0.2.10" : NodeInternalIp(node) ?? "192.0.2.10";
        status["phase"] = "Running";
        var conditions = new JsonArray();
        foreach (var type in new[] { "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled" })
        {
            conditions.Add(new JsonObject { ["type"] = type, ["status"] = "True", ["lastProbeTime"] = null, ["lastTransitionTime"] = now });
        }
        status["conditions"] = conditions;
        status["hostIP"] = hostIp;
        status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp });
        status["podIP"] = podIp;
        status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp });
        status["startTime"] = now;
        var statuses = new JsonArray();
        if (spec["containers"] is JsonArray containers)
        {
            foreach (var c in containers.OfType<JsonObject>())
            {
                var image = JsonUtil.Str(c["image"]) ?? "";
                statuses.Add(new JsonObject
                {
                    ["name"] = JsonUtil.Str(c["name"]),
                    ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
                    ["lastState"] = new JsonObject(),
                    ["ready"] = true,
                    ["restartCount"] = 0,
                    ["image"] = NormalizeImage(image),
                    ["imageID"] = NormalizeImage(image).Split(':')[0] + "@sha256:" + Hash64(image),
                    ["containerID"] = "containerd://" + Hash64(Guid.NewGuid().ToString()),
                    ["started"] = true,
                });
            }
        }
        status["containerStatuses"] = statuses;
        status["qosClass"] = "BestEffort";
    }

    internal static string NormalizeImage(string image)
    {
        var firstSlash = image.IndexOf('/');
        var hasRegistry = firstSlash > 0 && (image[..firstSlash].Contains('.') || image[..firstSlash].Contains(':') || image[..firstSlash] == "localhost");
        var full = hasRegistry ? image : "docker.io/" + (firstSlash < 0 ? "library/" + image : image);
        var lastSlash = full.LastIndexOf('/');
        return full[(lastSlash + 1)..].Contains(':') || full.Contains('@') ? full : full + ":latest";
    }

    internal static string Hash64(string s)
    {
        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(s));
        return Convert.ToHexString(bytes).ToLowerInvariant();
    }

    internal static string? NodeInternalIp(StoredObject node)
    {
        var n = node.ToNode();
        if (n["status"]?["addresses"] is JsonArray addresses)
        {
            foreach (var a in addresses.OfType<JsonObject>())
            {
                if (JsonUtil.Str(a["type"]) == "InternalIP")
                {
                    return JsonUtil.Str(a["address"]);
                }
            }
        }
        return null;
    }

    private string NextPodIp()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var n = Interlocked.Increment(ref _podIpCursor);
        // 198.51.100.0/24 (TEST-NET-2): data only, never dialled. Wraps after 253 pods.
        return "198.51.100." + ((n % 253) + 1).ToString(CultureInfo.InvariantCulture);
    }

    private void DefaultService(JsonObject svc, JsonObject? old)
    {
        var spec = JsonUtil.Ensure(svc, "spec");
        var oldSpec = old?["spec"] as JsonObject;
        var type = JsonUtil.Str(spec["type"]) ?? "ClusterIP";
        spec["type"] = type;
        spec["sessionAffinity"] ??= "None";
        if (type == "ExternalName")
        {
            svc["status"] ??= new JsonObject { ["loadBalancer"] = new JsonObject() };
            return;
        }
        var oldIp = JsonUtil.Str(oldSpec?["clusterIP"]);
        var ip = JsonUtil.Str(spec["clusterIP"]);
        if (!string.IsNullOrEmpty(oldIp) && !string.IsNullOrEmpty(ip) && ip != oldIp)
        {
            var name = JsonUtil.Str(svc["metadata"]?["name"]) ?? "";
            throw ApiException.Invalid(ResourceCatalog.Services, name, [FieldError.Invalid("spec.clusterIPs[0]", ip, "may not change once set")]);
        }
        if (string.IsNullOrEmpty(ip))
        {
            ip = oldIp ?? AllocateClusterIp();
        }
        else if (ip != "None" && !IPAddress.TryParse(ip, out _))
        {
            var name = JsonUtil.Str(svc["metadata"]?["name"]) ?? "";
            throw ApiException.Invalid(ResourceCatalog.Services, name, [FieldError.Invalid("spec.clusterIPs[0]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]);
        }
        spec["clusterIP"] = ip;
        spec["clusterIPs"] = new JsonArray(ip);
        spec["ipFamilies"] ??= new JsonArray("IPv4");
        spec["ipFamilyPolicy"] ??= "SingleStack";
        spec["internalTrafficPolicy"] ??= "Cluster";
        var needsNodePort = type is "NodePort" or "LoadBalancer";
        if (needsNodePort)
        {
            spec["externalTrafficPolicy"] ??= "Cluster";
        }
        if (type == "LoadBalancer")
        {
            spec["allocateLoadBalancerNodePorts"] ??= true;
        }
        var used = needsNodePort ? UsedNodePorts(JsonUtil.Str(svc["metadata"]?["namespace"]), JsonUtil.Str(svc["metadata"]?["name"])) : [];
        if (spec["ports"] is JsonArray ports)
        {
            foreach (var p in ports.OfType<JsonObject>())
            {
                p["protocol"] ??= "TCP";
                if (p["targetPort"] is null && JsonUtil.Int(p["port"]) is int port)
                {
                    p["targetPort"] = port;
                }
                if (needsNodePort)
                {
                    var nodePort = JsonUtil.Int(p["nodePort"]) ?? 0;
                    if (nodePort == 0 && oldSpec?["ports"] is JsonArray oldPorts)
                    {
                        var match = oldPorts.OfType<JsonObject>().FirstOrDefault(o => JsonUtil.Int(o["port"]) == JsonUtil.Int(p["port"]) && JsonUtil.Str(o["protocol"]) == JsonUtil.Str(p["protocol"]));
                        nodePort = JsonUtil.Int(match?["nodePort"]) ?? 0;
                    }
                    if (nodePort == 0)
                    {
                        nodePort = AllocateNodePort(used);
                    }
                    else if (used.Contains(nodePort))
                    {
                        var name = JsonUtil.Str(svc["metadata"]?["name"]) ?? "";
                        throw ApiException.Invalid(ResourceCatalog.Services, name, [FieldError.Invalid("spec.ports[0].nodePort", nodePort.ToString(CultureInfo.InvariantCulture), "provided port is already allocated")]);
                    }
                    used.Add(nodePort);
                    p["nodePort"] = nodePort;
                }
                else
                {
                    p.Remove("nodePort");
                }
            }
        }
        if (old is null || svc["status"] is null)
        {
            svc["status"] = old?["status"]?.DeepClone() ?? new JsonObject { ["loadBalancer"] = new JsonObject() };
        }
        if (type != "LoadBalancer" && svc["status"] is JsonObject st)
        {
            st["loadBalancer"] = new JsonObject();
        }
    }

    private HashSet<int> UsedNodePorts(string? ns, string? name)
    {
        var used = new HashSet<int>();
        foreach (var s in _state.Services.Snapshot.Items)
        {
            if (s.Namespace == ns && s.Name == name)
            {
                continue;
            }
            var node = s.ToNode();
            if (node["spec"]?["ports"] is JsonArray ports)
            {
                foreach (var p in ports)
                {
                    if (JsonUtil.Int(p?["nodePort"]) is int np && np != 0)
                    {
                        used.Add(np);
                    }
                }
            }
        }
        return used;
    }

    private static int AllocateNodePort(HashSet<int> used)
    {
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            var candidate = Random.Shared.Next(30000, 32768);
            if (!used.Contains(candidate))
            {
                return candidate;
            }
        }
        for (var p = 30000; p <= 32767; p++)
        {
            if (!used.Contains(p))
            {
                return p;
            }
        }
        throw new ApiException(500, "InternalError", "Internal error occurred: failed to allocate a nodePort: range is full");
    }

    private string AllocateClusterIp()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in _state.Services.Snapshot.Items)
        {
            if (JsonUtil.Str(s.ToNode()["spec"]?["clusterIP"]) is string ip)
            {
                used.Add(ip);
            }
        }
        // 10.96.0.0/16 like a default cluster's service CIDR; .0.1 is the kubernetes service, .0.10 kube-dns.
        for (var attempt = 0; attempt < 100_000; attempt++)
        {
            var n = Random.Shared.Next(11, 65000);
            var candidate = $"10.96.{n / 256}.{n % 256}";
            if (n % 256 != 0 && n % 256 != 255 && !used.Contains(candidate))
            {
                return candidate;
            }
        }
        throw new ApiException(500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full");
    }
}
