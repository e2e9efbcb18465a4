using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace Kube.Access.Testing;

/// <summary>A built-in backend a pod port can be bound to with <see cref="KubeApiEmulator.BindPodPort(string, string, int, PodBackend)"/>.</summary>
public enum PodBackend
{
    /// <summary>Writes back every byte it reads.</summary>
    Echo = 0,

    /// <summary>Reads and discards everything (a sink for throughput tests).</summary>
    Sink = 1,

    /// <summary>An HTTP server answering every request with "Hello Kubernetes!".</summary>
    HelloHttp = 2,
}

/// <summary>Where a pod port leads: a real loopback endpoint or a built-in backend.</summary>
/// <param name="Endpoint">The loopback endpoint, when bound to one.</param>
/// <param name="Backend">The built-in backend, when bound to one.</param>
internal sealed record PodPortBinding(IPEndPoint? Endpoint, PodBackend? Backend);

/// <summary>A request for a streaming subresource (portforward, exec, attach, proxy) of a pod, service or node.</summary>
/// <param name="Resource">pods, services or nodes.</param>
/// <param name="Namespace">The namespace (null for nodes).</param>
/// <param name="Name">The object name as it appears in the path (for services/pods proxy it may be <c>[scheme:]name[:port]</c>).</param>
/// <param name="Subresource">portforward, exec, attach or proxy.</param>
/// <param name="ProxyPath">For proxy: the path after <c>/proxy</c> (starts with '/', or empty).</param>
/// <param name="User">The authenticated (possibly impersonated) user.</param>
/// <param name="Groups">The user's groups.</param>
internal sealed record StreamingRequest(string Resource, string? Namespace, string Name, string Subresource, string ProxyPath, string User, IReadOnlyList<string> Groups);

public sealed partial class KubeApiEmulator
{
    private readonly ConcurrentDictionary<(string Namespace, string Pod, int Port), PodPortBinding> _podPorts = new();
    private readonly ConcurrentBag<IAsyncDisposable> _ownedResources = new();

    /// <summary>Binds a pod port to a real loopback endpoint: port-forward and proxy to that pod port reach it.</summary>
    /// <param name="namespace">The pod's namespace.</param>
    /// <param name="pod">The pod's name.</param>
    /// <param name="port">The container port (1-65535).</param>
    /// <param name="endpoint">A loopback endpoint (127.0.0.0/8 or ::1).</param>
    /// <exception cref="KubeApiEmulatorException">The port is out of range or the endpoint is not loopback.</exception>
    public void BindPodPort(string @namespace, string pod, int port, IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        CheckBinding(@namespace, pod, port);
        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            throw new KubeApiEmulatorException($"Pod port {@namespace}/{pod}:{port} can only be bound to a loopback endpoint (got {endpoint}).");
        }
        _podPorts[(@namespace, pod, port)] = new PodPortBinding(endpoint, null);
    }

    /// <summary>Binds a pod port to a built-in backend.</summary>
    /// <param name="namespace">The pod's namespace.</param>
    /// <param name="pod">The pod's name.</param>
    /// <param name="port">The container port (1-65535).</param>
    /// <param name="backend">The backend.</param>
    /// <exception cref="KubeApiEmulatorException">The port is out of range or the backend unknown.</exception>
    public void BindPodPort(string @namespace, string pod, int port, PodBackend backend)
    {
        CheckBinding(@namespace, pod, port);
        if (!Enum.IsDefined(backend))
        {
            throw new KubeApiEmulatorException($"Unknown pod backend {(int)backend} for {@namespace}/{pod}:{port}.");
        }
        _podPorts[(@namespace, pod, port)] = new PodPortBinding(null, backend);
    }

    /// <summary>Removes a pod port binding.</summary>
    /// <returns>Whether the port was bound.</returns>
    public bool UnbindPodPort(string @namespace, string pod, int port) => _podPorts.TryRemove((@namespace, pod, port), out _);

    private static void CheckBinding(string ns, string pod, int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        ArgumentException.ThrowIfNullOrEmpty(pod);
        if (port is < 1 or > 65535)
        {
            throw new KubeApiEmulatorException($"Pod port {ns}/{pod}:{port} is out of range (1-65535).");
        }
    }

    /// <summary>The binding of a pod port, if any.</summary>
    internal bool TryGetPodPortBinding(string @namespace, string pod, int port, out PodPortBinding binding)
        => _podPorts.TryGetValue((@namespace, pod, port), out binding!);

    /// <summary>Every pod port binding (for diagnostics and the streaming subresources).</summary>
    internal IReadOnlyDictionary<(string Namespace, string Pod, int Port), PodPortBinding> PodPortBindings => _podPorts;

    /// <summary>Registers something (a backend listener, ...) disposed with the emulator.</summary>
    internal void RegisterForDisposal(IAsyncDisposable resource) => _ownedResources.Add(resource);

    private async ValueTask DisposeStreamingAsync()
    {
        foreach (var r in _ownedResources)
        {
            try
            {
                await r.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }
    }

    /// <summary>
    /// Serves a streaming subresource (pods/portforward, pods/exec, pods/attach, pods|services|nodes/proxy).
    /// Implemented in Streaming/; when it is not, <paramref name="handled"/> stays null and the request gets 501.
    /// Set <paramref name="handled"/> to the task that serves the request.
    /// </summary>
    partial void HandleStreamingSubresource(HttpContext context, StreamingRequest request, ref Task? handled);
}
