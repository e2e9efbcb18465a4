using System.Collections.Concurrent;
using System.Net;
using k8s.Models;
using Kube.Access.Testing.Streaming;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kube.Access.Testing.Tests.Streaming;

/// <summary>A Kestrel host on 127.0.0.1 serving the streaming subresources over an in-memory object set.</summary>
internal sealed class StreamingHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StreamingHost(WebApplication app, ObjectSet cluster, StreamingSubresources streaming, Uri url)
    {
        _app = app;
        Cluster = cluster;
        Streaming = streaming;
        Url = url;
    }

    public ObjectSet Cluster { get; }

    public StreamingSubresources Streaming { get; }

    public Uri Url { get; }

    public static async Task<StreamingHost> StartAsync()
    {
        var cluster = new ObjectSet();
        var streaming = new StreamingSubresources(cluster);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(async context =>
        {
            if (!await streaming.TryHandleAsync(context))
            {
                context.Response.StatusCode = 404;
            }
        });
        await app.StartAsync();
        var address = app.Urls.First();
        return new StreamingHost(app, cluster, streaming, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Streaming.DisposeAsync();
    }

    public Uri WebSocketUri(string pathAndQuery) => new($"ws://{Url.Authority}{pathAndQuery}");

    /// <summary>Adds a running pod with one container per (name, image).</summary>
    public V1Pod AddPod(string ns, string name, IDictionary<string, string>? labels = null, string phase = "Running", params V1Container[] containers)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Uid = Guid.NewGuid().ToString(), Labels = labels },
            Spec = new V1PodSpec
            {
                NodeName = phase == "Pending" ? null : "node-1",
                Containers = containers.Length > 0 ? containers : [new V1Container { Name = "main", Image = "busybox" }],
            },
            Status = new V1PodStatus { Phase = phase, PodIP = "198.51.100.7" },
        };
        Cluster.Pods[(ns, name)] = pod;
        return pod;
    }

    internal sealed class ObjectSet : IStreamingCluster
    {
        public ConcurrentDictionary<(string, string), V1Pod> Pods { get; } = new();

        public ConcurrentDictionary<(string, string), V1Service> Services { get; } = new();

        public ConcurrentDictionary<string, V1Node> Nodes { get; } = new();

        public V1Pod? GetPod(string @namespace, string name) => Pods.GetValueOrDefault((@namespace, name));

        public V1Service? GetService(string @namespace, string name) => Services.GetValueOrDefault((@namespace, name));

        public V1Node? GetNode(string name) => Nodes.GetValueOrDefault(name);

        public IReadOnlyList<V1Pod> ListPods(string @namespace) => Pods.Where(p => p.Key.Item1 == @namespace).Select(p => p.Value).ToList();
    }
}
