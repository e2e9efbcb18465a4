using FluentAssertions;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kube.Access.Testing.Internal;
using Kube.Access.Testing.Streaming;

namespace Kube.Access.Testing.Tests.Streaming;

/// <summary>Seeding helpers for the streaming tests: objects created through the emulator's store (plain HTTP on 127.0.0.1).</summary>
internal static class StreamingSeeding
{
    public static Uri WebSocketUri(this KubeApiEmulator api, string pathAndQuery) => new($"ws://{api.Url.Authority}{pathAndQuery}");

    /// <summary>Creates a pod through the emulator's store (defaulted, scheduled, Running) and sets another phase if asked.</summary>
    public static V1Pod AddPod(this KubeApiEmulator api, string ns, string name, IDictionary<string, string>? labels = null, string phase = "Running", params V1Container[] containers)
    {
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
            Spec = new V1PodSpec { Containers = containers.Length > 0 ? containers : [new V1Container { Name = "main", Image = "busybox" }] },
        };
        Create(api, ResourceCatalog.Pods, ns, pod);
        if (phase != "Running")
        {
            api.State.Replace(ResourceCatalog.Pods, ns, name, current =>
            {
                ((JsonObject)current["status"]!)["phase"] = phase;
                if (phase == "Pending")
                {
                    ((JsonObject)current["spec"]!).Remove("nodeName");
                }

                return current;
            }, "status");
        }

        return Get<V1Pod>(api, ResourceCatalog.Pods, ns, name);
    }

    public static V1Pod AddPod(this KubeApiEmulator api, V1Pod pod)
    {
        pod.ApiVersion = "v1";
        pod.Kind = "Pod";
        Create(api, ResourceCatalog.Pods, pod.Metadata.NamespaceProperty, pod);
        return Get<V1Pod>(api, ResourceCatalog.Pods, pod.Metadata.NamespaceProperty, pod.Metadata.Name);
    }

    public static V1Pod GetPod(this KubeApiEmulator api, string ns, string name) => Get<V1Pod>(api, ResourceCatalog.Pods, ns, name);

    public static void AddService(this KubeApiEmulator api, V1Service service)
    {
        service.ApiVersion = "v1";
        service.Kind = "Service";
        Create(api, ResourceCatalog.Services, service.Metadata.NamespaceProperty, service);
    }

    public static void AddNode(this KubeApiEmulator api, string name) =>
        Create(api, ResourceCatalog.Nodes, null, new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = name } });

    public static void BindPodPort(this KubeApiEmulator api, string ns, string pod, int port, EndPoint endPoint) => api.BindPodPort(ns, pod, port, (IPEndPoint)endPoint);

    private static void Create(KubeApiEmulator api, ResourceDef def, string? ns, object model) =>
        api.State.Create(def, ns, JsonNode.Parse(KubernetesJson.Serialize(model))!.AsObject());

    private static T Get<T>(KubeApiEmulator api, ResourceDef def, string ns, string name)
    {
        api.State.Store(def).TryGet(ns, name, out var stored).Should().BeTrue();
        return KubernetesJson.Deserialize<T>(System.Text.Encoding.UTF8.GetString(stored.GetJson()));
    }
}
