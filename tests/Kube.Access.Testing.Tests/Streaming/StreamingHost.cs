using FluentAssertions;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kube.Access.Testing.Internal;
using Kube.Access.Testing.Streaming;

namespace Kube.Access.Testing.Tests.Streaming;

/// <summary>The running emulator (plain HTTP on 127.0.0.1) with helpers to seed objects through its store.</summary>
internal sealed class StreamingHost : IAsyncDisposable
{
    private StreamingHost(KubeApiEmulator api) => Api = api;

    public KubeApiEmulator Api { get; }

    public StreamingSubresources Streaming => Api.Streaming;

    public Uri Url => Api.Url;

    public static async Task<StreamingHost> StartAsync(EmulatorScenario scenario = EmulatorScenario.Empty) =>
        new(await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Scenario = scenario }));

    public ValueTask DisposeAsync() => Api.DisposeAsync();

    public Uri WebSocketUri(string pathAndQuery) => new($"ws://{Url.Authority}{pathAndQuery}");

    /// <summary>Creates a pod through the emulator's store (defaulted, scheduled, Running) and sets another phase if asked.</summary>
    public V1Pod AddPod(string ns, string name, IDictionary<string, string>? labels = null, string phase = "Running", params V1Container[] containers)
    {
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
            Spec = new V1PodSpec { Containers = containers.Length > 0 ? containers : [new V1Container { Name = "main", Image = "busybox" }] },
        };
        Create(ResourceCatalog.Pods, ns, pod);
        if (phase != "Running")
        {
            Api.State.Replace(ResourceCatalog.Pods, ns, name, current =>
            {
                ((JsonObject)current["status"]!)["phase"] = phase;
                if (phase == "Pending")
                {
                    ((JsonObject)current["spec"]!).Remove("nodeName");
                }

                return current;
            }, "status");
        }

        return Get<V1Pod>(ResourceCatalog.Pods, ns, name);
    }

    public V1Pod AddPod(V1Pod pod)
    {
        pod.ApiVersion = "v1";
        pod.Kind = "Pod";
        Create(ResourceCatalog.Pods, pod.Metadata.NamespaceProperty, pod);
        return Get<V1Pod>(ResourceCatalog.Pods, pod.Metadata.NamespaceProperty, pod.Metadata.Name);
    }

    public V1Pod GetPod(string ns, string name) => Get<V1Pod>(ResourceCatalog.Pods, ns, name);

    public void AddService(V1Service service)
    {
        service.ApiVersion = "v1";
        service.Kind = "Service";
        Create(ResourceCatalog.Services, service.Metadata.NamespaceProperty, service);
    }

    public void AddNode(string name) =>
        Create(ResourceCatalog.Nodes, null, new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = name } });

    public void BindPodPort(string ns, string pod, int port, PodBackend backend) => Api.BindPodPort(ns, pod, port, backend);

    public void BindPodPort(string ns, string pod, int port, EndPoint endPoint) => Api.BindPodPort(ns, pod, port, (IPEndPoint)endPoint);

    private void Create(ResourceDef def, string? ns, object model) =>
        Api.State.Create(def, ns, JsonNode.Parse(KubernetesJson.Serialize(model))!.AsObject());

    private T Get<T>(ResourceDef def, string ns, string name)
    {
        Api.State.Store(def).TryGet(ns, name, out var stored).Should().BeTrue();
        return KubernetesJson.Deserialize<T>(System.Text.Encoding.UTF8.GetString(stored.GetJson()));
    }
}
