using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Kube.Access;

/// <summary>
/// The proxy settings kubectl takes from the environment (Go's <c>http.ProxyFromEnvironment</c>, which client-go
/// uses when the kubeconfig names no <c>proxy-url</c>): <c>HTTPS_PROXY</c> for https servers, <c>HTTP_PROXY</c>
/// for http ones (the lower-case names when the upper-case ones are empty), and <c>NO_PROXY</c>.
/// </summary>
/// <remarks>
/// <para>Unlike .NET's default proxy, and as kubectl does: a loopback server (<c>localhost</c>, 127.0.0.0/8,
/// <c>::1</c>: kind, minikube, <c>kubectl proxy</c>) is never proxied; <c>NO_PROXY</c> takes CIDR blocks
/// (<c>10.96.0.0/12</c>, the usual way to exempt an in-cluster service IP), IP addresses, domains (<c>example.com</c>
/// also matches its subdomains, <c>.example.com</c> and <c>*.example.com</c> only them), each optionally with a
/// port, and <c>*</c> for everything; <c>ALL_PROXY</c> is not read. A value without a scheme is an http:// proxy.
/// User information in a proxy URL becomes the proxy's credentials.</para>
/// <para>Where Go silently ignores a proxy value it cannot parse, <see cref="GetProxy"/> raises a
/// <see cref="KubeProxyConfigurationException"/> naming the variable, for a server that would use it.</para>
/// </remarks>
public sealed class KubeEnvironmentProxy : IWebProxy
{
    private readonly List<Func<string, int, IPAddress?, bool>> _exemptions = [];
    private readonly bool _exemptAll;
    private readonly ProxyCredentials _credentials;
    private readonly KubeProxyConfigurationException? _httpError;
    private readonly KubeProxyConfigurationException? _httpsError;

    /// <summary>Creates the settings from explicit values (each may be null or empty: not set).</summary>
    /// <param name="httpProxy">The <c>HTTP_PROXY</c> value.</param>
    /// <param name="httpsProxy">The <c>HTTPS_PROXY</c> value.</param>
    /// <param name="noProxy">The <c>NO_PROXY</c> value (comma-separated).</param>
    /// <remarks>A proxy value that is not a usable URL is reported by <see cref="GetProxy"/> for a server of its scheme only.</remarks>
    public KubeEnvironmentProxy(string? httpProxy, string? httpsProxy, string? noProxy)
    {
        HttpProxy = TryParseProxy(httpProxy, "HTTP_PROXY", out var httpCredential, out _httpError);
        HttpsProxy = TryParseProxy(httpsProxy, "HTTPS_PROXY", out var httpsCredential, out _httpsError);
        _credentials = new ProxyCredentials(HttpProxy, httpCredential, HttpsProxy, httpsCredential);
        foreach (var raw in (noProxy ?? string.Empty).Split(','))
        {
            var entry = raw.Trim().ToLowerInvariant();
            if (entry.Length == 0)
            {
                continue;
            }

            if (entry == "*")
            {
                _exemptAll = true;
                _exemptions.Clear();
                break;
            }

            AddExemption(entry);
        }
    }

    /// <summary>The proxy for http:// servers, if any (null also when the value is unusable).</summary>
    public Uri? HttpProxy { get; }

    /// <summary>The proxy for https:// servers, if any (null also when the value is unusable).</summary>
    public Uri? HttpsProxy { get; }

    /// <summary>True when no proxy variable is set (not even an unusable one): every destination is reached directly.</summary>
    public bool IsEmpty => HttpProxy is null && HttpsProxy is null && _httpError is null && _httpsError is null;

    /// <inheritdoc />
    public ICredentials? Credentials
    {
        get => _credentials;
        set => throw new NotSupportedException("The credentials of an environment proxy come from its URL.");
    }

    /// <summary>Reads <c>HTTP_PROXY</c>, <c>HTTPS_PROXY</c> and <c>NO_PROXY</c> (or their lower-case forms) as kubectl does.</summary>
    /// <param name="getVariable">Where the variables come from; the process environment when null.</param>
    public static KubeEnvironmentProxy FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        string? Any(string upper) => getVariable(upper) is { Length: > 0 } value ? value : getVariable(upper.ToLowerInvariant());
        return new KubeEnvironmentProxy(Any("HTTP_PROXY"), Any("HTTPS_PROXY"), Any("NO_PROXY"));
    }

    /// <summary>The proxy for <paramref name="destination"/>, or null to connect directly.</summary>
    /// <exception cref="KubeProxyConfigurationException">The variable for the destination's scheme is set but is not a usable proxy URL.</exception>
    public Uri? GetProxy(Uri destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var (proxy, error) = destination.Scheme.ToLowerInvariant() switch
        {
            "https" or "wss" => (HttpsProxy, _httpsError),
            "http" or "ws" => (HttpProxy, _httpError),
            _ => (null, null),
        };
        if ((proxy is null && error is null) || !UsesProxy(destination))
        {
            return null;
        }

        return error is null ? proxy : throw error;
    }

    /// <inheritdoc />
    public bool IsBypassed(Uri host) => GetProxy(host) is null;

    private bool UsesProxy(Uri destination)
    {
        var host = destination.IdnHost.ToLowerInvariant();
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        if (host == "localhost")
        {
            return false;
        }

        var ip = IPAddress.TryParse(host, out var parsed) ? parsed : null;
        if (ip is not null && IsLoopback(ip))
        {
            return false;
        }

        if (_exemptAll)
        {
            return false;
        }

        var port = destination.Port;
        foreach (var exempt in _exemptions)
        {
            if (exempt(host, port, ip))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLoopback(IPAddress ip) =>
        IPAddress.IsLoopback(ip) || (ip.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(ip.MapToIPv4()));

    private void AddExemption(string entry)
    {
        // CIDR block (IPv4 or IPv6): matches any port.
        var slash = entry.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && IPAddress.TryParse(entry[..slash], out var network)
            && int.TryParse(entry[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            && prefix <= (network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
        {
            _exemptions.Add((_, _, ip) => ip is not null && InNetwork(ip, network, prefix));
            return;
        }

        var (host, port) = SplitHostPort(entry);
        if (host.Length == 0)
        {
            return; // ":80" and the like: no host, ignored as Go does.
        }

        if (IPAddress.TryParse(host, out var address))
        {
            _exemptions.Add((_, p, ip) => ip is not null && Same(ip, address) && (port is null || port == p));
            return;
        }

        // example.com matches itself and its subdomains; .example.com and *.example.com only the subdomains.
        if (host.StartsWith("*.", StringComparison.Ordinal))
        {
            host = host[1..];
        }

        var matchHost = !host.StartsWith('.');
        var suffix = matchHost ? "." + host : host;
        try
        {
            suffix = new IdnMapping().GetAscii(suffix.TrimStart('.')).Insert(0, ".");
        }
        catch (ArgumentException)
        {
            // Not a valid IDN: compare as written.
        }

        _exemptions.Add((h, p, _) =>
            (h.EndsWith(suffix, StringComparison.Ordinal) || (matchHost && h == suffix[1..])) && (port is null || port == p));
    }

    /// <summary>Splits <c>host:port</c> / <c>[v6]:port</c>; a bare host (or bare IPv6 address) has no port.</summary>
    private static (string Host, int? Port) SplitHostPort(string entry)
    {
        if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            if (close > 0 && close + 1 < entry.Length && entry[close + 1] == ':' && TryPort(entry[(close + 2)..], out var v6Port))
            {
                return (entry[1..close], v6Port);
            }

            return (entry.Trim('[', ']'), null);
        }

        var colon = entry.LastIndexOf(':');
        if (colon >= 0 && entry.IndexOf(':', StringComparison.Ordinal) == colon && TryPort(entry[(colon + 1)..], out var port))
        {
            return (entry[..colon], port);
        }

        return (entry, null);
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;

    private static bool Same(IPAddress a, IPAddress b) =>
        a.Equals(b) || (a.IsIPv4MappedToIPv6 && a.MapToIPv4().Equals(b)) || (b.IsIPv4MappedToIPv6 && b.MapToIPv4().Equals(a));

    private static bool InNetwork(IPAddress ip, IPAddress network, int prefix)
    {
        if (ip.AddressFamily != network.AddressFamily)
        {
            if (ip.IsIPv4MappedToIPv6 && network.AddressFamily == AddressFamily.InterNetwork)
            {
                ip = ip.MapToIPv4();
            }
            else
            {
                return false;
            }
        }

        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(a, out var length);
        network.TryWriteBytes(b, out _);
        for (var bit = 0; bit < prefix && bit < length * 8; bit += 8)
        {
            var bits = Math.Min(8, prefix - bit);
            var mask = (byte)(0xFF << (8 - bits));
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Parses one proxy value as Go does (no scheme: http://); its user information comes out as
    /// <paramref name="credential"/> and is removed from the returned URL.
    /// </summary>
    internal static Uri? ParseProxy(string? value, string variable, out NetworkCredential? credential) =>
        TryParseProxy(value, variable, out credential, out var error) ?? (error is null ? null : throw error);

    private static Uri? TryParseProxy(string? value, string variable, out NetworkCredential? credential, out KubeProxyConfigurationException? error)
    {
        error = null;
        credential = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Trim();
        // As Go: a value without a scheme (proxy.corp:3128) is an http:// proxy.
        var hasScheme = text.Contains("://", StringComparison.Ordinal);
        if (!Uri.TryCreate(hasScheme ? text : "http://" + text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            error = new KubeProxyConfigurationException($"{variable} '{value}' is not a proxy URL (expected http://host:port, https://host:port or socks5://host:port).", variable);
            return null;
        }

        if (uri.Scheme is not ("http" or "https" or "socks5" or "socks5h" or "socks4" or "socks4a"))
        {
            error = new KubeProxyConfigurationException($"{variable} '{value}' has the unsupported proxy scheme '{uri.Scheme}' (http, https, socks5 are supported).", variable);
            return null;
        }

        if (uri.UserInfo.Length > 0)
        {
            var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[..separator]);
            var password = separator < 0 ? string.Empty : Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]);
            credential = new NetworkCredential(user, password);
            uri = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri;
        }

        return uri;
    }

    /// <summary>The user information of each proxy URL, handed to the handler for that proxy only.</summary>
    private sealed class ProxyCredentials(Uri? http, NetworkCredential? httpCredential, Uri? https, NetworkCredential? httpsCredential) : ICredentials
    {
        public NetworkCredential? GetCredential(Uri uri, string authType)
        {
            if (https is not null && httpsCredential is not null && SameEndpoint(uri, https))
            {
                return httpsCredential;
            }

            return http is not null && httpCredential is not null && SameEndpoint(uri, http) ? httpCredential : null;
        }

        private static bool SameEndpoint(Uri a, Uri b) =>
            string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;
    }
}
