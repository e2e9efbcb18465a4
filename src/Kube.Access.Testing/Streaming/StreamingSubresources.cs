using Microsoft.AspNetCore.Http;

namespace Kube.Access.Testing.Streaming;

/// <summary>
/// The emulator's streaming subresources in one place: pod port bindings, <c>portforward</c>,
/// the <c>proxy</c> subresources of pods, services and nodes, and <c>exec</c>/<c>attach</c>.
/// The core's request pipeline hands every request to <see cref="TryHandleAsync"/> first.
/// </summary>
internal sealed class StreamingSubresources : IAsyncDisposable
{
    private readonly PortForwardHandler _portForward;
    private readonly ProxyHandler _proxy;

    public StreamingSubresources(IStreamingCluster cluster, Func<string, string, int, System.Net.EndPoint?>? fallbackBindings = null, IReadOnlyList<string>? execProtocols = null, bool execWebSockets = true)
    {
        Cluster = cluster;
        Ports = new PodPortBindings { Fallback = fallbackBindings };
        _portForward = new PortForwardHandler(cluster, Ports);
        _proxy = new ProxyHandler(cluster, Ports);
        Exec = new ExecHandler(cluster, Ports, execProtocols, execWebSockets);
    }

    /// <summary>The cluster view the handlers read.</summary>
    public IStreamingCluster Cluster { get; }

    /// <summary>Pod (and node) port bindings.</summary>
    public PodPortBindings Ports { get; }

    /// <summary>Exec, attach, container processes and file systems.</summary>
    public ExecHandler Exec { get; }

    /// <summary>What a request path names, if it is one of the streaming subresources.</summary>
    internal readonly record struct Route(string Kind, string Namespace, string Target, string? Rest);

    /// <summary>Recognises the streaming subresource paths.</summary>
    internal static Route? Match(string path)
    {
        var segments = path.Split('/');
        // "", "api", "v1", "namespaces", ns, resource, name, sub, rest...
        if (segments.Length >= 8 && segments[0].Length == 0 && segments[1] == "api" && segments[2] == "v1" && segments[3] == "namespaces")
        {
            var ns = segments[4];
            var resource = segments[5];
            var name = segments[6];
            var sub = segments[7];
            if (ns.Length == 0 || name.Length == 0)
            {
                return null;
            }

            if (resource == "pods" && segments.Length == 8 && sub is "portforward" or "exec" or "attach")
            {
                return new Route(sub, ns, name, null);
            }

            if (resource is "pods" or "services" && sub == "proxy")
            {
                return new Route(resource + "/proxy", ns, name, string.Join('/', segments.Skip(8)));
            }

            return null;
        }

        // "", "api", "v1", "nodes", name, "proxy", rest...
        if (segments.Length >= 6 && segments[0].Length == 0 && segments[1] == "api" && segments[2] == "v1" && segments[3] == "nodes" && segments[4].Length > 0 && segments[5] == "proxy")
        {
            return new Route("nodes/proxy", string.Empty, segments[4], string.Join('/', segments.Skip(6)));
        }

        return null;
    }

    /// <summary>Serves a request the core's router already split into resource, namespace, name, subresource and proxy path.</summary>
    public Task HandleAsync(HttpContext context, string resource, string? @namespace, string name, string subresource, string proxyPath) =>
        (resource, subresource) switch
        {
            ("pods", "portforward") => _portForward.HandleAsync(context, @namespace ?? string.Empty, name),
            ("pods", "exec") => Exec.HandleAsync(context, @namespace ?? string.Empty, name, attach: false),
            ("pods", "attach") => Exec.HandleAsync(context, @namespace ?? string.Empty, name, attach: true),
            ("pods", "proxy") => _proxy.PodAsync(context, @namespace ?? string.Empty, name, proxyPath),
            ("services", "proxy") => _proxy.ServiceAsync(context, @namespace ?? string.Empty, name, proxyPath),
            ("nodes", "proxy") => _proxy.NodeAsync(context, name, proxyPath),
            _ => StatusResponses.WriteAsync(context, 404, "NotFound", "the server could not find the requested resource"),
        };

    /// <summary>Serves the request when it names a streaming subresource; false otherwise.</summary>
    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        if (Match(context.Request.Path.Value ?? string.Empty) is not { } route)
        {
            return false;
        }

        switch (route.Kind)
        {
            case "portforward":
                await _portForward.HandleAsync(context, route.Namespace, route.Target).ConfigureAwait(false);
                break;
            case "exec":
            case "attach":
                await Exec.HandleAsync(context, route.Namespace, route.Target, attach: route.Kind == "attach").ConfigureAwait(false);
                break;
            case "pods/proxy":
                await _proxy.PodAsync(context, route.Namespace, route.Target, route.Rest).ConfigureAwait(false);
                break;
            case "services/proxy":
                await _proxy.ServiceAsync(context, route.Namespace, route.Target, route.Rest).ConfigureAwait(false);
                break;
            default:
                await _proxy.NodeAsync(context, route.Target, route.Rest).ConfigureAwait(false);
                break;
        }

        return true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Exec.DisposeAsync().ConfigureAwait(false);
        _proxy.Dispose();
        await Ports.DisposeAsync().ConfigureAwait(false);
    }
}
