using System.Collections.Concurrent;
using System.Net;

namespace Kube.Access.Testing.Streaming;

/// <summary>
/// Which loopback endpoint answers for a pod's (or node's) port. Built-in backends are real
/// listeners on 127.0.0.1 owned by this registry; user-supplied endpoints must be loopback.
/// Node ports use the empty namespace.
/// </summary>
internal sealed class PodPortBindings : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Namespace, string Name, int Port), Binding> _bindings = new();
    private readonly object _gate = new();
    private LoopbackServer? _echo;
    private LoopbackServer? _sink;
    private LoopbackServer? _hello;
    private bool _disposed;

    /// <summary>Bindings kept elsewhere (the emulator's public <c>BindPodPort</c> registry), asked after this one.</summary>
    public Func<string, string, int, EndPoint?>? Fallback { get; init; }

    /// <summary>Binds a pod port to a loopback endpoint (replacing an earlier binding).</summary>
    public void Bind(string @namespace, string pod, int port, EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Validate(pod, port);
        if (endPoint is IPEndPoint ip && !IPAddress.IsLoopback(ip.Address))
        {
            throw new ArgumentException($"Pod port bindings must be loopback addresses; {ip} is not.", nameof(endPoint));
        }

        if (endPoint is DnsEndPoint dns && !string.Equals(dns.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Pod port bindings must be loopback addresses; {dns.Host} is not.", nameof(endPoint));
        }

        Replace((@namespace ?? string.Empty, pod, port), new Binding(endPoint, null));
    }

    /// <summary>Binds a pod port to one of the built-in backends.</summary>
    public void Bind(string @namespace, string pod, int port, PodBackend backend)
    {
        Validate(pod, port);
        Replace((@namespace ?? string.Empty, pod, port), new Binding(BuiltIn(backend).EndPoint, null));
    }

    /// <summary>Binds a pod port to an HTTP handler served by a listener owned by the binding.</summary>
    public void BindHttp(string @namespace, string pod, int port, Func<PodHttpRequest, PodHttpResponse> handler)
    {
        Validate(pod, port);
        var server = new LoopbackServer((socket, ct) => PodHttpServer.ServeAsync(socket, handler, ct));
        Replace((@namespace ?? string.Empty, pod, port), new Binding(server.EndPoint, server));
    }

    /// <summary>Removes one binding; true when there was one.</summary>
    public bool Unbind(string @namespace, string pod, int port)
    {
        if (_bindings.TryRemove((@namespace ?? string.Empty, pod, port), out var old))
        {
            Release(old);
            return true;
        }

        return false;
    }

    /// <summary>Removes every binding of a pod (when the pod is deleted).</summary>
    public void UnbindPod(string @namespace, string pod)
    {
        foreach (var key in _bindings.Keys)
        {
            if (key.Namespace == @namespace && key.Name == pod && _bindings.TryRemove(key, out var old))
            {
                Release(old);
            }
        }
    }

    /// <summary>The endpoint bound to a pod port, or null.</summary>
    public EndPoint? Resolve(string @namespace, string pod, int port) =>
        _bindings.TryGetValue((@namespace, pod, port), out var binding) ? binding.EndPoint : Fallback?.Invoke(@namespace, pod, port);

    /// <summary>Whether this registry itself (not the fallback) binds the port.</summary>
    public bool IsBound(string @namespace, string pod, int port) => _bindings.ContainsKey((@namespace, pod, port));

    /// <summary>The loopback endpoint of a built-in backend (started on first use).</summary>
    public IPEndPoint EndPointOf(PodBackend backend) => BuiltIn(backend).EndPoint;

    /// <summary>The ports bound for a pod.</summary>
    public IReadOnlyList<int> PortsOf(string @namespace, string pod) =>
        _bindings.Keys.Where(k => k.Namespace == @namespace && k.Name == pod).Select(k => k.Port).OrderBy(p => p).ToArray();

    private void Replace((string, string, int) key, Binding binding)
    {
        Binding? old = null;
        _bindings.AddOrUpdate(key, binding, (_, previous) =>
        {
            old = previous;
            return binding;
        });
        if (old is not null && !ReferenceEquals(old, binding))
        {
            Release(old);
        }
    }

    private static void Release(Binding binding)
    {
        if (binding.Owned is { } server)
        {
            _ = server.DisposeAsync().AsTask();
        }
    }

    private static void Validate(string pod, int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(pod);
        if (port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A port is a number from 1 to 65535.");
        }
    }

    private LoopbackServer BuiltIn(PodBackend backend)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return backend switch
            {
                PodBackend.Echo => _echo ??= new LoopbackServer(LoopbackServer.EchoAsync),
                PodBackend.Sink => _sink ??= new LoopbackServer(LoopbackServer.SinkAsync),
                PodBackend.HelloHttp => _hello ??= new LoopbackServer((socket, ct) => PodHttpServer.ServeAsync(socket, PodHttpServer.Hello, ct)),
                _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown pod backend."),
            };
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        LoopbackServer?[] servers;
        lock (_gate)
        {
            _disposed = true;
            servers = [_echo, _sink, _hello];
        }

        foreach (var binding in _bindings.Values)
        {
            if (binding.Owned is { } owned)
            {
                await owned.DisposeAsync().ConfigureAwait(false);
            }
        }

        _bindings.Clear();
        foreach (var server in servers)
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private sealed record Binding(EndPoint EndPoint, LoopbackServer? Owned);
}
