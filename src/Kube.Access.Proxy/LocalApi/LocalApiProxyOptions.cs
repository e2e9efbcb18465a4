namespace Kube.Access.Proxy;

/// <summary>
/// Options of the local API proxy, named and defaulted like <c>kubectl proxy</c>'s flags
/// (<c>--port</c>, <c>--address</c>, <c>--accept-hosts</c>, <c>--accept-paths</c>, <c>--reject-paths</c>,
/// <c>--reject-methods</c>, <c>--api-prefix</c>, <c>--www</c>, <c>--www-prefix</c>, <c>--unix-socket</c>,
/// <c>--disable-filter</c>, <c>--keepalive</c>, <c>--append-server-path</c>).
/// </summary>
public sealed class LocalApiProxyOptions
{
    /// <summary>kubectl's default for <see cref="AcceptHosts"/>: only loopback names (a DNS-rebinding defence).</summary>
    public const string DefaultAcceptHosts = @"^localhost$,^127\.0\.0\.1$,^\[::1\]$";

    /// <summary>kubectl's default for <see cref="AcceptPaths"/>.</summary>
    public const string DefaultAcceptPaths = "^.*";

    /// <summary>kubectl's default for <see cref="RejectPaths"/>: no exec or attach through the proxy.</summary>
    public const string DefaultRejectPaths = "^/api/.*/pods/.*/exec,^/api/.*/pods/.*/attach";

    /// <summary>kubectl's default for <see cref="RejectMethods"/> (matches no method).</summary>
    public const string DefaultRejectMethods = "^$";

    /// <summary>kubectl's default port.</summary>
    public const int DefaultPort = 8001;

    /// <summary>The port to listen on (<c>--port</c>, default 8001); 0 picks a free port, reported by <see cref="LocalApiProxyServer.Port"/>.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>The IP address to listen on (<c>--address</c>, default <c>127.0.0.1</c>; <c>localhost</c> means 127.0.0.1).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Comma-separated regular expressions for the Host header (without port) to accept (<c>--accept-hosts</c>).</summary>
    public string AcceptHosts { get; set; } = DefaultAcceptHosts;

    /// <summary>Comma-separated regular expressions for the paths to accept (<c>--accept-paths</c>).</summary>
    public string AcceptPaths { get; set; } = DefaultAcceptPaths;

    /// <summary>Comma-separated regular expressions for paths to reject even when accepted (<c>--reject-paths</c>).</summary>
    public string RejectPaths { get; set; } = DefaultRejectPaths;

    /// <summary>Comma-separated regular expressions for HTTP methods to reject (<c>--reject-methods</c>, for example <c>POST,PUT,PATCH</c>).</summary>
    public string RejectMethods { get; set; } = DefaultRejectMethods;

    /// <summary>The prefix to serve the API under (<c>--api-prefix</c>, default <c>/</c>; a trailing slash is added).</summary>
    public string ApiPrefix { get; set; } = "/";

    /// <summary>A directory of static files to serve under <see cref="WwwPrefix"/> (<c>--www</c>), or <c>null</c>.</summary>
    public string? Www { get; set; }

    /// <summary>The prefix static files are served under (<c>--www-prefix</c>, default <c>/static/</c>).</summary>
    public string WwwPrefix { get; set; } = "/static/";

    /// <summary>A Unix socket path to listen on instead of a TCP port (<c>--unix-socket</c>); created with mode 0600.</summary>
    public string? UnixSocket { get; set; }

    /// <summary>Turns the request filter off (<c>--disable-filter</c>). Dangerous: logged as a warning, like kubectl.</summary>
    public bool DisableFilter { get; set; }

    /// <summary>
    /// TCP keep-alive period (<c>--keepalive</c>, default 0 = off). kubectl applies it to the sockets it dials for
    /// upgraded streams; here the upstream sockets belong to the connection layer, so it is applied to the proxy's
    /// accepted client sockets, which keeps long-lived watches and port-forwards alive through idle NATs and firewalls.
    /// </summary>
    public TimeSpan Keepalive { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Appends the server URL's own path (for example <c>/k8s/clusters/c-1</c>) to each request (<c>--append-server-path</c>,
    /// default false: like kubectl, only the server's scheme and authority are used).
    /// </summary>
    public bool AppendServerPath { get; set; }

    /// <summary>A copy of these options.</summary>
    public LocalApiProxyOptions Clone() => (LocalApiProxyOptions)MemberwiseClone();
}
