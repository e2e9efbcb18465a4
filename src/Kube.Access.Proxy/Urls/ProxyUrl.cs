using System.Text;

namespace Kube.Access.Proxy;

/// <summary>The kind of object an apiserver proxy URL reaches.</summary>
public enum ProxyResourceKind
{
    /// <summary><c>/api/v1/namespaces/{ns}/services/{[scheme:]name[:port]}/proxy</c>.</summary>
    Service,

    /// <summary><c>/api/v1/namespaces/{ns}/pods/{[scheme:]name[:port]}/proxy</c>.</summary>
    Pod,

    /// <summary><c>/api/v1/nodes/{[scheme:]name[:port]}/proxy</c>.</summary>
    Node,
}

/// <summary>
/// One apiserver proxy URL, in its parts: which service, pod or node, the scheme and port the apiserver
/// uses to reach it, and the path, query and fragment sent on to it. All text is held decoded; building
/// escapes it (<see cref="IProxyUrlBuilder.Build(ProxyUrl)"/>) and parsing unescapes it, so
/// <c>Parse(Build(x)) == x</c>.
/// </summary>
/// <example>
/// The dashboard URL of the Kubernetes guide:
/// <code>
/// var url = ProxyUrl.ForService("kubernetes-dashboard", "kubernetes-dashboard", scheme: "https", path: "/");
/// url.ToString(); // /api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/
/// </code>
/// </example>
public sealed record ProxyUrl
{
    private readonly string _path = string.Empty;
    private readonly IReadOnlyList<KeyValuePair<string, string?>> _query = Array.Empty<KeyValuePair<string, string?>>();
    private readonly string? _scheme;
    private readonly string? _port;
    private readonly Uri? _server;

    /// <summary>Service, pod or node.</summary>
    public required ProxyResourceKind Kind { get; init; }

    /// <summary>The namespace of the service or pod; <c>null</c> for nodes.</summary>
    public string? Namespace { get; init; }

    /// <summary>The name of the service, pod or node.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// <c>https</c> or <c>http</c> when the URL names a scheme (<c>https:name:port</c>); <c>null</c> when it does not
    /// (the apiserver then uses http). An empty string is stored as <c>null</c>.
    /// </summary>
    public string? Scheme
    {
        get => _scheme;
        init => _scheme = string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>
    /// The port: a number (<c>8443</c>) or, for services, a port name (<c>https</c>); <c>null</c> for the default
    /// (the service's unnamed port, the pod's first container port, the node's kubelet port). An empty string is stored as <c>null</c>.
    /// </summary>
    public string? Port
    {
        get => _port;
        init => _port = string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>
    /// The decoded path after <c>/proxy</c>: empty (nothing after <c>/proxy</c>) or starting with <c>/</c>
    /// (<c>/</c>, <c>/_search</c>, <c>/ui/index.html</c>). A path given without its leading slash gets one.
    /// </summary>
    public string Path
    {
        get => _path;
        init => _path = string.IsNullOrEmpty(value) ? string.Empty : value[0] == '/' ? value : "/" + value;
    }

    /// <summary>The decoded query parameters, in order; a <c>null</c> value is a bare key (<c>?watch</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Query
    {
        get => _query;
        init => _query = value ?? Array.Empty<KeyValuePair<string, string?>>();
    }

    /// <summary>The decoded fragment (without <c>#</c>), or <c>null</c>.</summary>
    public string? Fragment { get; init; }

    /// <summary>
    /// The API server the URL is absolute against (scheme, authority and an optional path prefix such as
    /// <c>https://rancher.example/k8s/clusters/c-1</c>), or <c>null</c> for a server-relative URL.
    /// A trailing slash is removed.
    /// </summary>
    public Uri? Server
    {
        get => _server;
        init => _server = NormalizeServer(value);
    }

    /// <summary>A service proxy URL.</summary>
    /// <param name="namespace">The service's namespace.</param>
    /// <param name="name">The service's name.</param>
    /// <param name="port">Port name or number, or <c>null</c> for the default/unnamed port.</param>
    /// <param name="scheme"><c>https</c>, <c>http</c> or <c>null</c>.</param>
    /// <param name="path">Decoded path after <c>/proxy</c>.</param>
    public static ProxyUrl ForService(string @namespace, string name, string? port = null, string? scheme = null, string path = "")
        => new() { Kind = ProxyResourceKind.Service, Namespace = @namespace, Name = name, Port = port, Scheme = scheme, Path = path };

    /// <summary>A pod proxy URL.</summary>
    /// <param name="namespace">The pod's namespace.</param>
    /// <param name="name">The pod's name.</param>
    /// <param name="port">Port number, or <c>null</c> for the first container port.</param>
    /// <param name="scheme"><c>https</c>, <c>http</c> or <c>null</c>.</param>
    /// <param name="path">Decoded path after <c>/proxy</c>.</param>
    public static ProxyUrl ForPod(string @namespace, string name, int? port = null, string? scheme = null, string path = "")
        => new() { Kind = ProxyResourceKind.Pod, Namespace = @namespace, Name = name, Port = port?.ToString(System.Globalization.CultureInfo.InvariantCulture), Scheme = scheme, Path = path };

    /// <summary>A node proxy URL.</summary>
    /// <param name="name">The node's name.</param>
    /// <param name="port">Port number, or <c>null</c> for the kubelet's port.</param>
    /// <param name="scheme"><c>https</c>, <c>http</c> or <c>null</c>.</param>
    /// <param name="path">Decoded path after <c>/proxy</c>.</param>
    public static ProxyUrl ForNode(string name, int? port = null, string? scheme = null, string path = "")
        => new() { Kind = ProxyResourceKind.Node, Name = name, Port = port?.ToString(System.Globalization.CultureInfo.InvariantCulture), Scheme = scheme, Path = path };

    /// <summary>This URL with one more query parameter.</summary>
    /// <param name="key">The parameter name (decoded).</param>
    /// <param name="value">The value (decoded), or <c>null</c> for a bare key.</param>
    public ProxyUrl WithQuery(string key, string? value)
        => this with { Query = [.. Query, new KeyValuePair<string, string?>(key, value)] };

    /// <summary>Parses a relative or absolute apiserver proxy URL; see <see cref="ProxyUrlBuilder.Parse(string)"/>.</summary>
    /// <param name="url">The URL text.</param>
    /// <exception cref="ProxyUrlException">The text is not a proxy URL.</exception>
    public static ProxyUrl Parse(string url) => ProxyUrlBuilder.Instance.Parse(url);

    /// <summary>The URL text (absolute when <see cref="Server"/> is set), or a description of the parts when one is invalid; see <see cref="ProxyUrlBuilder.Build(ProxyUrl)"/>.</summary>
    public override string ToString()
    {
        try
        {
            return ProxyUrlBuilder.Instance.Build(this);
        }
        catch (ProxyUrlException)
        {
            var builder = new StringBuilder("ProxyUrl { ");
            PrintMembers(builder);
            return builder.Append(" }").ToString();
        }
    }

    /// <inheritdoc />
    public bool Equals(ProxyUrl? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (Kind != other.Kind
            || !string.Equals(Namespace, other.Namespace, StringComparison.Ordinal)
            || !string.Equals(Name, other.Name, StringComparison.Ordinal)
            || !string.Equals(Scheme, other.Scheme, StringComparison.Ordinal)
            || !string.Equals(Port, other.Port, StringComparison.Ordinal)
            || !string.Equals(Path, other.Path, StringComparison.Ordinal)
            || !string.Equals(Fragment, other.Fragment, StringComparison.Ordinal)
            || !string.Equals(Server?.OriginalString, other.Server?.OriginalString, StringComparison.Ordinal)
            || Query.Count != other.Query.Count)
        {
            return false;
        }

        for (var i = 0; i < Query.Count; i++)
        {
            if (!string.Equals(Query[i].Key, other.Query[i].Key, StringComparison.Ordinal)
                || !string.Equals(Query[i].Value, other.Query[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Kind);
        hash.Add(Namespace, StringComparer.Ordinal);
        hash.Add(Name, StringComparer.Ordinal);
        hash.Add(Scheme, StringComparer.Ordinal);
        hash.Add(Port, StringComparer.Ordinal);
        hash.Add(Path, StringComparer.Ordinal);
        hash.Add(Fragment, StringComparer.Ordinal);
        hash.Add(Server?.OriginalString, StringComparer.Ordinal);
        foreach (var pair in Query)
        {
            hash.Add(pair.Key, StringComparer.Ordinal);
            hash.Add(pair.Value, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Kind = ").Append(Kind)
            .Append(", Namespace = ").Append(Namespace)
            .Append(", Name = ").Append(Name)
            .Append(", Scheme = ").Append(Scheme)
            .Append(", Port = ").Append(Port)
            .Append(", Path = ").Append(Path)
            .Append(", Query = [").AppendJoin(", ", Query.Select(q => q.Value is null ? q.Key : q.Key + "=" + q.Value)).Append(']')
            .Append(", Fragment = ").Append(Fragment)
            .Append(", Server = ").Append(Server?.OriginalString);
        return true;
    }

    private static Uri? NormalizeServer(Uri? server)
    {
        if (server is null || !server.IsAbsoluteUri)
        {
            return server;
        }

        var path = server.AbsolutePath.TrimEnd('/');
        var text = server.GetLeftPart(UriPartial.Authority) + path;
        return string.Equals(text, server.OriginalString, StringComparison.Ordinal) ? server : new Uri(text, UriKind.Absolute);
    }
}
