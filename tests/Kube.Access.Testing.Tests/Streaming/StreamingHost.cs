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
                await MinimalApiAsync(context, cluster);
            }
        });
        await app.StartAsync();
        var address = app.Urls.First();
        return new StreamingHost(app, cluster, streaming, new Uri(address));
    }

    /// <summary>Just enough of the API for kubectl exec to find a pod: /version, legacy discovery, GET pod.</summary>
    private static async Task MinimalApiAsync(HttpContext context, ObjectSet cluster)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        string? body = path switch
        {
            "/version" => "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0\",\"platform\":\"linux/amd64\"}",
            "/api" => "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1\"}]}",
            "/apis" => "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[]}",
            "/api/v1" => "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":[{\"name\":\"pods\",\"singularName\":\"pod\",\"namespaced\":true,\"kind\":\"Pod\",\"verbs\":[\"get\",\"list\"],\"shortNames\":[\"po\"]},{\"name\":\"pods/exec\",\"singularName\":\"\",\"namespaced\":true,\"kind\":\"PodExecOptions\",\"verbs\":[\"create\",\"get\"]}]}",
            _ => null,
        };
        var segments = path.Split('/');
        if (body is null && segments.Length == 7 && segments[1] == "api" && segments[3] == "namespaces" && segments[5] == "pods"
            && cluster.GetPod(segments[4], segments[6]) is { } pod)
        {
            pod.ApiVersion = "v1";
            pod.Kind = "Pod";
            body = k8s.KubernetesJson.Serialize(pod);
        }

        if (body is null)
        {
            context.Response.StatusCode = 404;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}");
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
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
