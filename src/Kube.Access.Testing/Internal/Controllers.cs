using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Kube.Access.Testing.Internal;

/// <summary>
/// The controllers a cluster runs, in miniature: Deployment -> ReplicaSet -> Pods, Endpoints from
/// services and ready pods, default service accounts, LoadBalancer ingress, garbage collection.
/// They run synchronously after each change (so a create returns with its children in place), one
/// change at a time; only in-memory work happens under their lock.
/// </summary>
internal sealed class Controllers
{
    private readonly EmulatorState _state;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly object _gate = new();
    private readonly Queue<(ResourceStore Store, WatchEvent Event)> _queue = new();
    private bool _draining;
    private int _lbCursor;

    public Controllers(EmulatorState state, ILogger logger, CancellationToken stopping)
    {
        _state = state;
        _logger = logger;
        _stopping = stopping;
        foreach (var s in state.Stores)
        {
            s.Changed += OnChanged;
        }
    }

    /// <summary>The CA the <c>kube-root-ca.crt</c> config maps carry.</summary>
    public string? CaPem { get; set; }

    private void OnChanged(ResourceStore store, WatchEvent evt)
    {
        lock (_gate)
        {
            _queue.Enqueue((store, evt));
            if (_draining)
            {
                return;
            }
            _draining = true;
            try
            {
                while (_queue.TryDequeue(out var item))
                {
                    try
                    {
                        Handle(item.Store.Def, item.Event);
                    }
                    catch (ApiException e)
                    {
                        _logger.LogDebug("controller: {Kind} {Name}: {Message}", item.Store.Def.Kind, item.Event.Object.Name, e.Message);
                    }
                }
            }
            finally
            {
                _draining = false;
            }
        }
    }

    private void Handle(ResourceDef def, WatchEvent evt)
    {
        var o = evt.Object;
        switch (def.Kind)
        {
            case "Namespace":
                if (evt.Type == WatchEventType.Added)
                {
                    EnsureNamespaceDefaults(o.Name);
                }
                else if (evt.Type == WatchEventType.Deleted)
                {
                    DeleteNamespaceContents(o.Name);
                }
                break;
            case "Deployment":
                if (evt.Type == WatchEventType.Deleted)
                {
                    CollectOwned(ResourceCatalog.ReplicaSets, o);
                }
                else
                {
                    ReconcileDeployment(o.Namespace, o.Name);
                }
                break;
            case "ReplicaSet":
                if (evt.Type == WatchEventType.Deleted)
                {
                    CollectOwned(ResourceCatalog.Pods, o);
                }
                else
                {
                    ReconcileReplicaSet(o.Namespace, o.Name);
                }
                if (OwnerName(o.ToNode(), "Deployment") is string dep)
                {
                    UpdateDeploymentStatus(o.Namespace, dep);
                }
                break;
            case "Pod":
                if (evt.Type == WatchEventType.Deleted && OwnerName(o.ToNode(), "ReplicaSet") is string rs)
                {
                    ReconcileReplicaSet(o.Namespace, rs);
                }
                UpdateEndpointsForPod(evt);
                break;
            case "Service":
                if (evt.Type == WatchEventType.Deleted)
                {
                    _state.DeleteIfExists(ResourceCatalog.Endpoints, o.Namespace, o.Name);
                    foreach (var slice in SlicesOf(o.Namespace, o.Name))
                    {
                        _state.DeleteIfExists(ResourceCatalog.EndpointSlices, slice.Namespace, slice.Name);
                    }
                }
                else
                {
                    UpdateEndpoints(o.Namespace, o.Name);
                    ScheduleLoadBalancer(o);
                }
                break;
        }
    }

    // ---- namespaces ----

    private void EnsureNamespaceDefaults(string ns)
    {
        var sa = _state.Store(ResourceCatalog.ServiceAccounts);
        if (!sa.TryGet(ns, "default", out _))
        {
            _state.Upsert(ResourceCatalog.ServiceAccounts, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default", ["namespace"] = ns } });
        }
        var cm = _state.Store(ResourceCatalog.Get("", "configmaps"));
        if (!cm.TryGet(ns, "kube-root-ca.crt", out _))
        {
            _state.Upsert(ResourceCatalog.Get("", "configmaps"), new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "kube-root-ca.crt", ["namespace"] = ns },
                ["data"] = new JsonObject { ["ca.crt"] = CaPem ?? "" },
            });
        }
    }

    private void DeleteNamespaceContents(string ns)
    {
        foreach (var store in _state.Stores.Where(s => s.Def.Namespaced))
        {
            foreach (var o in store.Snapshot.Range(ns).ToList())
            {
                _state.DeleteIfExists(store.Def, o.Namespace, o.Name);
            }
        }
    }

    // ---- garbage collection ----

    private void CollectOwned(ResourceDef childDef, StoredObject owner)
    {
        foreach (var child in _state.Store(childDef).Snapshot.Range(owner.Namespace).ToList())
        {
            if (child.IsSynthetic)
            {
                continue;
            }
            var refs = child.ToNode()["metadata"]?["ownerReferences"] as JsonArray;
            if (refs is not null && refs.Any(r => JsonUtil.Str(r?["uid"]) == owner.Uid))
            {
                _state.DeleteIfExists(childDef, child.Namespace, child.Name);
            }
        }
    }

    private static string? OwnerName(JsonObject obj, string kind)
    {
        if (obj["metadata"]?["ownerReferences"] is JsonArray refs)
        {
            foreach (var r in refs.OfType<JsonObject>())
            {
                if (JsonUtil.Str(r["kind"]) == kind && JsonUtil.Bool(r["controller"]) != false)
                {
                    return JsonUtil.Str(r["name"]);
                }
            }
        }
        return null;
    }

    private static JsonObject OwnerRef(ResourceDef def, JsonObject owner) => new()
    {
        ["apiVersion"] = def.ApiVersion,
        ["kind"] = def.Kind,
        ["name"] = JsonUtil.Str(owner["metadata"]?["name"]),
        ["uid"] = JsonUtil.Str(owner["metadata"]?["uid"]),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    // ---- deployments ----

    /// <summary>The pod-template-hash of a template: FNV-1a of its JSON, safe-encoded like the deployment controller does.</summary>
    public static string TemplateHash(JsonNode? template)
    {
        var bytes = Encoding.UTF8.GetBytes(template?.ToJsonString() ?? "{}");
        uint hash = 2166136261;
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 16777619;
        }
        return EmulatorState.SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    private void ReconcileDeployment(string ns, string name)
    {
        var deployments = _state.Store(ResourceCatalog.Deployments);
        if (!deployments.TryGet(ns, name, out var stored))
        {
            return;
        }
        var dep = stored.ToNode();
        var spec = dep["spec"] as JsonObject;
        if (spec?["template"] is not JsonObject template)
        {
            return;
        }
        var replicas = JsonUtil.Int(spec["replicas"]) ?? 1;
        var hash = TemplateHash(template);
        var rsName = name + "-" + hash;
        var rsStore = _state.Store(ResourceCatalog.ReplicaSets);
        var depUid = stored.Uid;
        // Scale down every other ReplicaSet of this deployment (an instant rollout).
        foreach (var rs in rsStore.Snapshot.Range(ns).ToList())
        {
            if (rs.Name == rsName)
            {
                continue;
            }
            var rsNode = rs.ToNode();
            if (rsNode["metadata"]?["ownerReferences"] is JsonArray refs && refs.Any(r => JsonUtil.Str(r?["uid"]) == depUid)
                && JsonUtil.Int(rsNode["spec"]?["replicas"]) != 0)
            {
                rsNode["spec"]!["replicas"] = 0;
                _state.Upsert(ResourceCatalog.ReplicaSets, rsNode);
            }
        }
        var newTemplate = (JsonObject)template.DeepClone();
        var tmeta = JsonUtil.Ensure(newTemplate, "metadata");
        JsonUtil.Ensure(tmeta, "labels")["pod-template-hash"] = hash;
        var selector = (spec["selector"] as JsonObject)?.DeepClone() as JsonObject ?? new JsonObject();
        JsonUtil.Ensure(selector, "matchLabels")["pod-template-hash"] = hash;
        var labels = (JsonObject?)tmeta["labels"]!.DeepClone();
        JsonObject desired;
        if (rsStore.TryGet(ns, rsName, out var existing))
        {
            desired = existing.ToNode();
            desired["spec"]!["replicas"] = replicas;
        }
        else
        {
            desired = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = rsName,
                    ["namespace"] = ns,
                    ["labels"] = labels,
                    ["annotations"] = new JsonObject
                    {
                        ["deployment.kubernetes.io/desired-replicas"] = replicas.ToString(CultureInfo.InvariantCulture),
                        ["deployment.kubernetes.io/max-replicas"] = (replicas + (int)Math.Ceiling(replicas * 0.25)).ToString(CultureInfo.InvariantCulture),
                        ["deployment.kubernetes.io/revision"] = "1",
                    },
                    ["ownerReferences"] = new JsonArray(OwnerRef(ResourceCatalog.Deployments, dep)),
                },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = replicas,
                    ["selector"] = selector,
                    ["template"] = newTemplate,
                },
            };
        }
        _state.Upsert(ResourceCatalog.ReplicaSets, desired);
        UpdateDeploymentStatus(ns, name);
    }

    private void UpdateDeploymentStatus(string ns, string name)
    {
        var deployments = _state.Store(ResourceCatalog.Deployments);
        if (!deployments.TryGet(ns, name, out var stored))
        {
            return;
        }
        var dep = stored.ToNode();
        int replicas = 0, ready = 0, updated = 0;
        var hash = TemplateHash(dep["spec"]?["template"]);
        foreach (var rs in _state.Store(ResourceCatalog.ReplicaSets).Snapshot.Range(ns))
        {
            var rsNode = rs.ToNode();
            if (rsNode["metadata"]?["ownerReferences"] is JsonArray refs && refs.Any(r => JsonUtil.Str(r?["uid"]) == stored.Uid))
            {
                var st = rsNode["status"];
                replicas += JsonUtil.Int(st?["replicas"]) ?? 0;
                ready += JsonUtil.Int(st?["readyReplicas"]) ?? 0;
                if (rs.Name == name + "-" + hash)
                {
                    updated += JsonUtil.Int(st?["replicas"]) ?? 0;
                }
            }
        }
        var desired = JsonUtil.Int(dep["spec"]?["replicas"]) ?? 1;
        var now = JsonUtil.Now();
        var oldStatus = dep["status"] as JsonObject;
        string Since(string type) => JsonUtil.Str((oldStatus?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => JsonUtil.Str(c["type"]) == type)?["lastTransitionTime"]) ?? now;
        var status = new JsonObject
        {
            ["observedGeneration"] = JsonUtil.Long(dep["metadata"]?["generation"]) ?? 1,
            ["replicas"] = replicas,
            ["updatedReplicas"] = updated,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["conditions"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "Available",
                    ["status"] = ready >= desired ? "True" : "False",
                    ["lastUpdateTime"] = Since("Available"),
                    ["lastTransitionTime"] = Since("Available"),
                    ["reason"] = ready >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    ["message"] = ready >= desired ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
                },
                new JsonObject
                {
                    ["type"] = "Progressing",
                    ["status"] = "True",
                    ["lastUpdateTime"] = Since("Progressing"),
                    ["lastTransitionTime"] = Since("Progressing"),
                    ["reason"] = "NewReplicaSetAvailable",
                    ["message"] = $"ReplicaSet \"{name}-{hash}\" has successfully progressed.",
                }),
        };
        if (replicas - ready > 0)
        {
            status["unavailableReplicas"] = replicas - ready;
        }
        if (ready == 0)
        {
            status.Remove("readyReplicas");
            status.Remove("availableReplicas");
        }
        if (oldStatus?.ToJsonString() == status.ToJsonString())
        {
            return;
        }
        dep["status"] = status;
        _state.Upsert(ResourceCatalog.Deployments, dep);
    }

    // ---- replica sets ----

    private void ReconcileReplicaSet(string ns, string name)
    {
        var rsStore = _state.Store(ResourceCatalog.ReplicaSets);
        if (!rsStore.TryGet(ns, name, out var stored))
        {
            return;
        }
        var rs = stored.ToNode();
        var replicas = JsonUtil.Int(rs["spec"]?["replicas"]) ?? 1;
        var owned = new List<StoredObject>();
        foreach (var pod in _state.Pods.Snapshot.Range(ns))
        {
            if (pod.IsSynthetic)
            {
                continue;
            }
            var refs = pod.ToNode()["metadata"]?["ownerReferences"] as JsonArray;
            if (refs is not null && refs.Any(r => JsonUtil.Str(r?["uid"]) == stored.Uid))
            {
                owned.Add(pod);
            }
        }
        for (var i = owned.Count; i < replicas; i++)
        {
            CreatePod(rs, ns, name);
        }
        for (var i = owned.Count - 1; i >= replicas; i--)
        {
            _state.DeleteIfExists(ResourceCatalog.Pods, ns, owned[i].Name);
        }
        var status = new JsonObject
        {
            ["replicas"] = replicas,
            ["fullyLabeledReplicas"] = replicas,
            ["readyReplicas"] = replicas,
            ["availableReplicas"] = replicas,
            ["observedGeneration"] = JsonUtil.Long(rs["metadata"]?["generation"]) ?? 1,
        };
        if (replicas == 0)
        {
            status = new JsonObject { ["replicas"] = 0, ["observedGeneration"] = JsonUtil.Long(rs["metadata"]?["generation"]) ?? 1 };
        }
        if (rs["status"]?.ToJsonString() != status.ToJsonString())
        {
            // Re-read so a concurrent spec change is not lost.
            if (rsStore.TryGet(ns, name, out var latest))
            {
                var node = latest.ToNode();
                node["status"] = status;
                _state.Upsert(ResourceCatalog.ReplicaSets, node);
            }
        }
    }

    private void CreatePod(JsonObject rs, string ns, string rsName)
    {
        var template = rs["spec"]?["template"] as JsonObject;
        var pod = new JsonObject
        {
            ["metadata"] = (template?["metadata"] as JsonObject)?.DeepClone() ?? new JsonObject(),
            ["spec"] = template?["spec"]?.DeepClone() ?? new JsonObject(),
        };
        var meta = (JsonObject)pod["metadata"]!;
        meta.Remove("creationTimestamp");
        meta["generateName"] = rsName + "-";
        meta["namespace"] = ns;
        meta["ownerReferences"] = new JsonArray(OwnerRef(ResourceCatalog.ReplicaSets, rs));
        for (var attempt = 0; attempt < 10; attempt++)
        {
            meta["name"] = rsName + "-" + EmulatorState.RandomSuffix();
            if (!_state.Pods.TryGet(ns, JsonUtil.Str(meta["name"])!, out _))
            {
                break;
            }
        }
        _state.Upsert(ResourceCatalog.Pods, pod);
    }

    // ---- endpoints ----

    private void UpdateEndpointsForPod(WatchEvent evt)
    {
        var ns = evt.Object.Namespace;
        foreach (var svc in _state.Services.Snapshot.Range(ns).ToList())
        {
            var selector = SelectorOf(svc.ToNode());
            if (selector is null)
            {
                continue;
            }
            if (selector.Matches(evt.Object) || (evt.Old is not null && selector.Matches(evt.Old)))
            {
                UpdateEndpoints(ns, svc.Name);
            }
        }
    }

    private static LabelSelector? SelectorOf(JsonObject svc)
    {
        if (svc["spec"]?["selector"] is JsonObject sel && sel.Count > 0)
        {
            return LabelSelector.FromMatchLabels(JsonUtil.Labels(new JsonObject { ["labels"] = sel.DeepClone() }));
        }
        return null;
    }

    private void UpdateEndpoints(string ns, string name)
    {
        if (!_state.Services.TryGet(ns, name, out var stored))
        {
            return;
        }
        var svc = stored.ToNode();
        var selector = SelectorOf(svc);
        if (selector is null)
        {
            return;
        }
        var addresses = new JsonArray();
        var notReady = new JsonArray();
        var podsForPorts = new List<JsonObject>();
        foreach (var pod in _state.Pods.Snapshot.Range(ns))
        {
            if (!selector.Matches(pod))
            {
                continue;
            }
            var node = pod.ToNode();
            var ip = JsonUtil.Str(node["status"]?["podIP"]);
            if (ip is null)
            {
                continue;
            }
            var ready = (node["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
                .Any(c => JsonUtil.Str(c["type"]) == "Ready" && JsonUtil.Str(c["status"]) == "True") == true;
            var address = new JsonObject
            {
                ["ip"] = ip,
                ["nodeName"] = JsonUtil.Str(node["spec"]?["nodeName"]),
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = pod.Name, ["uid"] = pod.Uid },
            };
            // As the endpoints controller does: a pod whose subdomain is this service publishes its hostname.
            if (JsonUtil.Str(node["spec"]?["hostname"]) is { Length: > 0 } hostname && JsonUtil.Str(node["spec"]?["subdomain"]) == name)
            {
                address["hostname"] = hostname;
            }
            (ready ? addresses : notReady).Add(address);
            podsForPorts.Add(node);
        }
        var ports = new JsonArray();
        if (svc["spec"]?["ports"] is JsonArray svcPorts)
        {
            foreach (var p in svcPorts.OfType<JsonObject>())
            {
                var target = ResolveTargetPort(p, podsForPorts.FirstOrDefault());
                var port = new JsonObject { ["port"] = target, ["protocol"] = JsonUtil.Str(p["protocol"]) ?? "TCP" };
                if (JsonUtil.Str(p["name"]) is string pn && pn.Length > 0)
                {
                    port = new JsonObject { ["name"] = pn, ["port"] = target, ["protocol"] = JsonUtil.Str(p["protocol"]) ?? "TCP" };
                }
                ports.Add(port);
            }
        }
        var endpoints = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["labels"] = (svc["metadata"]?["labels"] as JsonObject)?.DeepClone() ?? new JsonObject(),
            },
        };
        if (addresses.Count > 0 || notReady.Count > 0)
        {
            var subset = new JsonObject();
            if (addresses.Count > 0)
            {
                subset["addresses"] = addresses;
            }
            if (notReady.Count > 0)
            {
                subset["notReadyAddresses"] = notReady;
            }
            subset["ports"] = ports;
            endpoints["subsets"] = new JsonArray(subset);
        }
        UpdateEndpointSlice(svc, stored, podsForPorts);
        var epStore = _state.Store(ResourceCatalog.Endpoints);
        if (epStore.TryGet(ns, name, out var current))
        {
            var cur = current.ToNode();
            if (cur["subsets"]?.ToJsonString() == endpoints["subsets"]?.ToJsonString()
                && cur["metadata"]?["labels"]?.ToJsonString() == endpoints["metadata"]?["labels"]?.ToJsonString())
            {
                return;
            }
        }
        _state.Upsert(ResourceCatalog.Endpoints, endpoints);
    }

    // ---- endpoint slices ----

    private List<StoredObject> SlicesOf(string ns, string service)
        => _state.Store(ResourceCatalog.EndpointSlices).Snapshot.Range(ns).Where(s => s.GetLabel("kubernetes.io/service-name") == service).ToList();

    /// <summary>
    /// Keeps the service's EndpointSlice as the endpointslice controller does: one IPv4 slice named
    /// <c>&lt;service&gt;-&lt;suffix&gt;</c>, labelled <c>kubernetes.io/service-name</c> and managed-by,
    /// owned by the service, one endpoint per pod with its ready/serving/terminating conditions.
    /// </summary>
    private void UpdateEndpointSlice(JsonObject svc, StoredObject stored, List<JsonObject> pods)
    {
        var ns = stored.Namespace;
        var name = stored.Name;
        var endpoints = new JsonArray();
        foreach (var pod in pods)
        {
            var ready = (pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
                .Any(c => JsonUtil.Str(c["type"]) == "Ready" && JsonUtil.Str(c["status"]) == "True") == true;
            var terminating = pod["metadata"]?["deletionTimestamp"] is not null;
            var endpoint = new JsonObject
            {
                ["addresses"] = new JsonArray(JsonUtil.Str(pod["status"]?["podIP"])),
                ["conditions"] = new JsonObject { ["ready"] = ready && !terminating, ["serving"] = ready, ["terminating"] = terminating },
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = JsonUtil.Str(pod["metadata"]?["name"]), ["uid"] = JsonUtil.Str(pod["metadata"]?["uid"]) },
            };
            if (JsonUtil.Str(pod["spec"]?["nodeName"]) is { Length: > 0 } nodeName)
            {
                endpoint["nodeName"] = nodeName;
            }
            endpoints.Add(endpoint);
        }
        var ports = new JsonArray();
        foreach (var p in (svc["spec"]?["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            ports.Add(new JsonObject
            {
                ["name"] = JsonUtil.Str(p["name"]) ?? "",
                ["port"] = ResolveTargetPort(p, pods.FirstOrDefault()),
                ["protocol"] = JsonUtil.Str(p["protocol"]) ?? "TCP",
            });
        }
        var labels = (svc["metadata"]?["labels"] as JsonObject)?.DeepClone().AsObject() ?? new JsonObject();
        labels["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io";
        labels["kubernetes.io/service-name"] = name;
        var existing = SlicesOf(ns, name);
        var sliceName = existing.Count > 0 ? existing[0].Name : name + "-" + EmulatorState.RandomSuffix();
        foreach (var extra in existing.Skip(1))
        {
            _state.DeleteIfExists(ResourceCatalog.EndpointSlices, ns, extra.Name);
        }
        var slice = new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject
            {
                ["name"] = sliceName,
                ["generateName"] = name + "-",
                ["namespace"] = ns,
                ["labels"] = labels,
                ["annotations"] = new JsonObject { ["endpoints.kubernetes.io/last-change-trigger-time"] = JsonUtil.Now() },
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Service",
                    ["name"] = name,
                    ["uid"] = stored.Uid,
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["addressType"] = "IPv4",
            ["endpoints"] = endpoints,
            ["ports"] = ports,
        };
        if (existing.Count > 0)
        {
            var cur = existing[0].ToNode();
            if (cur["endpoints"]?.ToJsonString() == endpoints.ToJsonString() && cur["ports"]?.ToJsonString() == ports.ToJsonString()
                && cur["metadata"]?["labels"]?.ToJsonString() == labels.ToJsonString())
            {
                return;
            }
        }
        _state.Upsert(ResourceCatalog.EndpointSlices, slice);
    }

    /// <summary>A service port's targetPort as a number (named ports are looked up in the pod's containers).</summary>
    public static int ResolveTargetPort(JsonObject servicePort, JsonObject? pod)
    {
        var target = servicePort["targetPort"];
        if (JsonUtil.Int(target) is int n)
        {
            return n;
        }
        if (JsonUtil.Str(target) is string name)
        {
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return parsed;
            }
            if (pod?["spec"]?["containers"] is JsonArray containers)
            {
                foreach (var c in containers.OfType<JsonObject>())
                {
                    if (c["ports"] is JsonArray ports)
                    {
                        foreach (var p in ports.OfType<JsonObject>())
                        {
                            if (JsonUtil.Str(p["name"]) == name && JsonUtil.Int(p["containerPort"]) is int cp)
                            {
                                return cp;
                            }
                        }
                    }
                }
            }
        }
        return JsonUtil.Int(servicePort["port"]) ?? 0;
    }

    // ---- load balancers ----

    private void ScheduleLoadBalancer(StoredObject svc)
    {
        var node = svc.ToNode();
        if (JsonUtil.Str(node["spec"]?["type"]) != "LoadBalancer")
        {
            return;
        }
        if (node["status"]?["loadBalancer"]?["ingress"] is JsonArray { Count: > 0 })
        {
            return;
        }
        var ns = svc.Namespace;
        var name = svc.Name;
        var uid = svc.Uid;
        var delay = _state.Options.LoadBalancerDelay;
        if (delay <= TimeSpan.Zero)
        {
            AssignIngress(ns, name, uid);
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(delay, _stopping).ConfigureAwait(false);
                AssignIngress(ns, name, uid);
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    private void AssignIngress(string ns, string name, string uid)
    {
        lock (_gate)
        {
            if (!_state.Services.TryGet(ns, name, out var svc) || svc.Uid != uid)
            {
                return;
            }
            var node = svc.ToNode();
            if (JsonUtil.Str(node["spec"]?["type"]) != "LoadBalancer" || node["status"]?["loadBalancer"]?["ingress"] is JsonArray { Count: > 0 })
            {
                return;
            }
            // 203.0.113.0/24 (TEST-NET-3): data only, never dialled.
            var ip = "203.0.113." + ((Interlocked.Increment(ref _lbCursor) % 254) + 1).ToString(CultureInfo.InvariantCulture);
            JsonUtil.Ensure(node, "status")["loadBalancer"] = new JsonObject
            {
                ["ingress"] = new JsonArray(new JsonObject { ["ip"] = ip, ["ipMode"] = "VIP" }),
            };
            _state.Upsert(ResourceCatalog.Services, node);
        }
    }
}
