using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Kube.Access.Proxy;

/// <summary>Builds and parses apiserver proxy URLs (the "proxy verb" of services, pods and nodes).</summary>
public interface IProxyUrlBuilder
{
    /// <summary>
    /// The URL text: server-relative (<c>/api/v1/...</c>) or, when <see cref="ProxyUrl.Server"/> is set, absolute.
    /// The service/pod/node segment follows the apiserver's grammar (<c>name</c>, <c>name:port</c>,
    /// <c>scheme:name:port</c>, and <c>https:name:</c> with a trailing colon when a scheme but no port is given);
    /// path, query and fragment are percent-escaped.
    /// </summary>
    /// <param name="url">The parts.</param>
    /// <exception cref="ProxyUrlException">A part is invalid; <see cref="ProxyUrlException.Field"/> says which.</exception>
    string Build(ProxyUrl url);

    /// <summary>The absolute URL of <paramref name="url"/> against <paramref name="server"/> (its path prefix kept).</summary>
    /// <param name="url">The parts (its own <see cref="ProxyUrl.Server"/> is ignored).</param>
    /// <param name="server">The API server's base URL.</param>
    /// <exception cref="ProxyUrlException">A part or the server is invalid.</exception>
    Uri BuildUri(ProxyUrl url, Uri server);

    /// <summary>
    /// Parses a server-relative (<c>/api/v1/namespaces/ns/services/https:name:/proxy/</c>) or absolute
    /// (<c>https://host:6443/api/v1/...</c>, with an optional path prefix before <c>/api/v1</c>) proxy URL.
    /// </summary>
    /// <param name="url">The URL text.</param>
    /// <exception cref="ProxyUrlException">The text is not a valid proxy URL; the exception names the part and position.</exception>
    ProxyUrl Parse(string url);

    /// <summary>Like <see cref="Parse(string)"/>, but answers <c>false</c> instead of throwing.</summary>
    /// <param name="url">The URL text.</param>
    /// <param name="result">The parsed URL when the answer is <c>true</c>.</param>
    bool TryParse(string? url, [NotNullWhen(true)] out ProxyUrl? result);
}

/// <summary>
/// The <see cref="IProxyUrlBuilder"/>. The grammar is the apiserver's: the id segment is split on <c>:</c>
/// into one part (<c>name</c>), two (<c>name:port</c>) or three (<c>scheme:name:port</c>); the scheme must be
/// <c>http</c> or <c>https</c>; the name must be non-empty. On top of that it checks what the apiserver would
/// reject later: namespace and names against Kubernetes' naming rules, ports (a number 1-65535, or an
/// IANA service name for services), and refuses <c>.</c>/<c>..</c> path segments that would leave the proxy subtree.
/// </summary>
public sealed class ProxyUrlBuilder : IProxyUrlBuilder
{
    private const string ApiV1 = "/api/v1/";

    /// <summary>A shared instance (the class is stateless).</summary>
    public static ProxyUrlBuilder Instance { get; } = new();

    /// <inheritdoc />
    public string Build(ProxyUrl url)
    {
        ArgumentNullException.ThrowIfNull(url);
        Validate(url);
        var builder = new StringBuilder(128);
        if (url.Server is not null)
        {
            AppendServer(builder, url.Server);
        }

        AppendRelative(builder, url);
        return builder.ToString();
    }

    /// <inheritdoc />
    public Uri BuildUri(ProxyUrl url, Uri server)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(server);
        return new Uri(Build(url with { Server = server }), UriKind.Absolute);
    }

    /// <inheritdoc />
    public bool TryParse(string? url, [NotNullWhen(true)] out ProxyUrl? result)
    {
        if (url is null)
        {
            result = null;
            return false;
        }

        try
        {
            result = Parse(url);
            return true;
        }
        catch (ProxyUrlException)
        {
            result = null;
            return false;
        }
    }

    /// <inheritdoc />
    public ProxyUrl Parse(string url)
    {
        if (string.IsNullOrEmpty(url))
        {
            throw new ProxyUrlException("A proxy URL must not be empty.", "resource", url ?? string.Empty, 0);
        }

        var position = 0;
        Uri? server = null;
        var fragmentAt = url.IndexOf('#');
        var end = fragmentAt < 0 ? url.Length : fragmentAt;
        var queryAt = url.IndexOf('?', 0, end);
        var pathEnd = queryAt < 0 ? end : queryAt;

        if (StartsWithScheme(url, out var schemeLength))
        {
            var authorityStart = schemeLength + 3;
            var authorityEnd = url.IndexOf('/', authorityStart, pathEnd - authorityStart);
            if (authorityEnd < 0)
            {
                throw new ProxyUrlException("An absolute proxy URL needs a path starting with /api/v1/.", "resource", url, pathEnd);
            }

            var api = url.IndexOf(ApiV1, authorityEnd, pathEnd - authorityEnd, StringComparison.Ordinal);
            if (api < 0)
            {
                throw new ProxyUrlException("Expected /api/v1/ in the path.", "resource", url, authorityEnd);
            }

            var serverText = url[..api];
            if (authorityEnd == authorityStart
                || !Uri.TryCreate(serverText, UriKind.Absolute, out server)
                || server.Query.Length > 0 || server.Fragment.Length > 0)
            {
                throw new ProxyUrlException($"\"{serverText}\" is not a valid server URL.", "server", url, 0);
            }

            position = api;
        }
        else if (!url.AsSpan().StartsWith(ApiV1, StringComparison.Ordinal))
        {
            throw new ProxyUrlException("A proxy URL must start with /api/v1/ or with the server's http:// or https:// URL.", "resource", url, 0);
        }

        // Segments after /api/v1/.
        position += ApiV1.Length;
        var segments = new List<(int Start, int Length)>();
        var start = position;
        for (var i = position; i <= pathEnd; i++)
        {
            if (i == pathEnd || url[i] == '/')
            {
                segments.Add((start, i - start));
                start = i + 1;
            }
        }

        string Segment(int index, string field) => Decode(url, segments[index].Start, segments[index].Length, plusIsSpace: false, field);

        ProxyResourceKind kind;
        string? ns = null;
        int idIndex;
        var first = segments.Count > 0 ? url.Substring(segments[0].Start, segments[0].Length) : string.Empty;
        if (first == "namespaces")
        {
            if (segments.Count < 5)
            {
                throw new ProxyUrlException("Expected /api/v1/namespaces/{namespace}/{services|pods}/{name}/proxy.", "resource", url, segments[^1].Start);
            }

            ns = Segment(1, "namespace");
            var resource = Segment(2, "resource");
            kind = resource switch
            {
                "services" => ProxyResourceKind.Service,
                "pods" => ProxyResourceKind.Pod,
                _ => throw new ProxyUrlException($"Expected \"services\" or \"pods\", found \"{resource}\".", "resource", url, segments[2].Start),
            };
            idIndex = 3;
        }
        else if (first == "nodes")
        {
            if (segments.Count < 3)
            {
                throw new ProxyUrlException("Expected /api/v1/nodes/{name}/proxy.", "resource", url, segments[^1].Start);
            }

            kind = ProxyResourceKind.Node;
            idIndex = 1;
        }
        else
        {
            throw new ProxyUrlException($"Expected \"namespaces\" or \"nodes\" after /api/v1/, found \"{first}\".", "resource", url, position);
        }

        var id = Segment(idIndex, "name");
        if (!SplitSchemeNamePort(id, out var scheme, out var name, out var port))
        {
            throw new ProxyUrlException($"\"{id}\" is not of the form name, name:port or scheme:name:port (scheme http or https).", "name", url, segments[idIndex].Start);
        }

        var verb = url.Substring(segments[idIndex + 1].Start, segments[idIndex + 1].Length);
        if (verb != "proxy")
        {
            throw new ProxyUrlException($"Expected \"proxy\" after the {KindWord(kind)} name, found \"{verb}\".", "resource", url, segments[idIndex + 1].Start);
        }

        string path;
        if (segments.Count == idIndex + 2)
        {
            path = string.Empty;
        }
        else
        {
            var rawStart = segments[idIndex + 2].Start - 1;
            path = Decode(url, rawStart, pathEnd - rawStart, plusIsSpace: false, "path");
        }

        var query = new List<KeyValuePair<string, string?>>();
        if (queryAt >= 0)
        {
            var i = queryAt + 1;
            while (i <= end)
            {
                var amp = url.IndexOf('&', i, end - i);
                var pairEnd = amp < 0 ? end : amp;
                if (pairEnd > i)
                {
                    var eq = url.IndexOf('=', i, pairEnd - i);
                    var key = Decode(url, i, (eq < 0 ? pairEnd : eq) - i, plusIsSpace: true, "query");
                    var value = eq < 0 ? null : Decode(url, eq + 1, pairEnd - eq - 1, plusIsSpace: true, "query");
                    if (key.Length == 0)
                    {
                        throw new ProxyUrlException("A query parameter has an empty name.", "query", url, i);
                    }

                    query.Add(new KeyValuePair<string, string?>(key, value));
                }

                i = pairEnd + 1;
            }
        }

        var fragment = fragmentAt < 0 ? null : Decode(url, fragmentAt + 1, url.Length - fragmentAt - 1, plusIsSpace: false, "fragment");

        var result = new ProxyUrl
        {
            Kind = kind,
            Namespace = ns,
            Name = name,
            Scheme = scheme,
            Port = port,
            Path = path,
            Query = query,
            Fragment = fragment,
            Server = server,
        };

        try
        {
            Validate(result);
        }
        catch (ProxyUrlException e)
        {
            var at = e.Field switch
            {
                "namespace" => segments[1].Start,
                "name" or "port" or "scheme" => segments[idIndex].Start,
                "path" => segments.Count > idIndex + 2 ? segments[idIndex + 2].Start : pathEnd,
                "query" => queryAt,
                "fragment" => fragmentAt,
                _ => 0,
            };
            throw new ProxyUrlException(e.Message, e.Field, url, at);
        }

        return result;
    }

    /// <summary>
    /// Splits the id segment like the apiserver: one part is the name, two are name and port, three are
    /// scheme, name and port. The scheme must be empty, <c>http</c> or <c>https</c>; the name must be non-empty.
    /// </summary>
    /// <param name="id">The decoded segment (<c>https:kubernetes-dashboard:</c>).</param>
    /// <param name="scheme">The scheme, or <c>null</c>.</param>
    /// <param name="name">The name.</param>
    /// <param name="port">The port, or <c>null</c>.</param>
    /// <returns>Whether the segment is valid.</returns>
    public static bool SplitSchemeNamePort(string id, out string? scheme, out string name, out string? port)
    {
        ArgumentNullException.ThrowIfNull(id);
        scheme = null;
        name = string.Empty;
        port = null;
        var parts = id.Split(':');
        string s = string.Empty, n, p = string.Empty;
        switch (parts.Length)
        {
            case 1:
                n = parts[0];
                break;
            case 2:
                n = parts[0];
                p = parts[1];
                break;
            case 3:
                s = parts[0];
                n = parts[1];
                p = parts[2];
                break;
            default:
                return false;
        }

        if (n.Length == 0 || (s.Length > 0 && s != "http" && s != "https"))
        {
            return false;
        }

        scheme = s.Length == 0 ? null : s;
        name = n;
        port = p.Length == 0 ? null : p;
        return true;
    }

    /// <summary>
    /// Joins scheme, name and port like the apiserver expects: <c>name</c>, <c>name:port</c>, or
    /// <c>scheme:name:port</c> (with an empty port when only a scheme is given: <c>https:name:</c>).
    /// </summary>
    /// <param name="scheme">The scheme or <c>null</c>.</param>
    /// <param name="name">The name.</param>
    /// <param name="port">The port or <c>null</c>.</param>
    /// <returns>The id segment.</returns>
    public static string JoinSchemeNamePort(string? scheme, string name, string? port)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!string.IsNullOrEmpty(scheme))
        {
            return scheme + ":" + name + ":" + port;
        }

        return string.IsNullOrEmpty(port) ? name : name + ":" + port;
    }

    private static void Validate(ProxyUrl url)
    {
        if (!Enum.IsDefined(url.Kind))
        {
            throw new ProxyUrlException($"Unknown resource kind {(int)url.Kind}.", "resource");
        }

        var kindWord = KindWord(url.Kind);
        if (url.Kind == ProxyResourceKind.Node)
        {
            if (url.Namespace is not null)
            {
                throw new ProxyUrlException("A node proxy URL has no namespace.", "namespace");
            }
        }
        else if (url.Namespace is null || !KubeNames.IsDns1123Label(url.Namespace))
        {
            throw new ProxyUrlException($"Namespace {Quote(url.Namespace)} is not a valid DNS-1123 label (lowercase letters, digits and '-', at most 63 characters).", "namespace");
        }

        var nameValid = url.Kind == ProxyResourceKind.Service
            ? KubeNames.IsDns1035Label(url.Name)
            : KubeNames.IsDns1123Subdomain(url.Name);
        if (!nameValid)
        {
            throw new ProxyUrlException(url.Kind == ProxyResourceKind.Service
                ? $"Service name {Quote(url.Name)} is not a valid DNS-1035 label (lowercase letters, digits and '-', starting with a letter, at most 63 characters)."
                : $"The {kindWord} name {Quote(url.Name)} is not a valid DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters).", "name");
        }

        if (url.Scheme is not null && url.Scheme != "http" && url.Scheme != "https")
        {
            throw new ProxyUrlException($"Scheme {Quote(url.Scheme)} is not \"http\" or \"https\".", "scheme");
        }

        if (url.Port is not null)
        {
            var isNumber = KubeNames.IsPortNumber(url.Port);
            if (!isNumber && url.Port.All(char.IsAsciiDigit))
            {
                throw new ProxyUrlException($"Port {Quote(url.Port)} is not a number from 1 to 65535 (without leading zeros).", "port");
            }

            if (!isNumber && (url.Kind != ProxyResourceKind.Service || !KubeNames.IsPortName(url.Port)))
            {
                throw new ProxyUrlException(url.Kind == ProxyResourceKind.Service
                    ? $"Port {Quote(url.Port)} is neither a number from 1 to 65535 nor a valid port name (at most 15 lowercase letters, digits and '-', with a letter)."
                    : $"Port {Quote(url.Port)} of a {kindWord} must be a number from 1 to 65535.", "port");
            }
        }

        if (url.Path.Length > 0)
        {
            if (url.Path[0] != '/')
            {
                throw new ProxyUrlException("The path must be empty or start with '/'.", "path");
            }

            CheckText(url.Path, "path");
            foreach (var text in url.Path[1..].Split('/'))
            {
                if (text is "." or "..")
                {
                    throw new ProxyUrlException($"The path {Quote(url.Path)} has a \"{text}\" segment, which would leave the proxied {kindWord}.", "path");
                }
            }
        }

        foreach (var pair in url.Query)
        {
            if (string.IsNullOrEmpty(pair.Key))
            {
                throw new ProxyUrlException("A query parameter has an empty name.", "query");
            }

            CheckText(pair.Key, "query");
            if (pair.Value is not null)
            {
                CheckText(pair.Value, "query");
            }
        }

        if (url.Fragment is not null)
        {
            CheckText(url.Fragment, "fragment");
        }

        if (url.Server is not null)
        {
            var s = url.Server;
            if (!s.IsAbsoluteUri || (s.Scheme != Uri.UriSchemeHttp && s.Scheme != Uri.UriSchemeHttps) || s.Host.Length == 0
                || s.Query.Length > 0 || s.Fragment.Length > 0)
            {
                throw new ProxyUrlException($"Server {Quote(s.OriginalString)} must be an absolute http or https URL without query or fragment.", "server");
            }

            if (s.AbsolutePath.Contains(ApiV1, StringComparison.Ordinal))
            {
                throw new ProxyUrlException($"Server {Quote(s.OriginalString)} must not itself contain /api/v1/.", "server");
            }
        }
    }

    private static void CheckText(string text, string field)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw new ProxyUrlException($"The {field} has an unpaired UTF-16 surrogate at {i}.", field);
            }
        }
    }

    private static void AppendServer(StringBuilder builder, Uri server)
    {
        builder.Append(server.GetLeftPart(UriPartial.Authority)).Append(server.AbsolutePath.TrimEnd('/'));
    }

    private static void AppendRelative(StringBuilder builder, ProxyUrl url)
    {
        builder.Append(ApiV1);
        switch (url.Kind)
        {
            case ProxyResourceKind.Node:
                builder.Append("nodes/");
                break;
            case ProxyResourceKind.Pod:
                builder.Append("namespaces/").Append(url.Namespace).Append("/pods/");
                break;
            default:
                builder.Append("namespaces/").Append(url.Namespace).Append("/services/");
                break;
        }

        builder.Append(JoinSchemeNamePort(url.Scheme, url.Name, url.Port)).Append("/proxy");
        Escape(builder, url.Path, Component.Path);
        for (var i = 0; i < url.Query.Count; i++)
        {
            builder.Append(i == 0 ? '?' : '&');
            Escape(builder, url.Query[i].Key, Component.Query);
            if (url.Query[i].Value is { } value)
            {
                builder.Append('=');
                Escape(builder, value, Component.Query);
            }
        }

        if (url.Fragment is not null)
        {
            builder.Append('#');
            Escape(builder, url.Fragment, Component.Fragment);
        }
    }

    private enum Component
    {
        Path,
        Query,
        Fragment,
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private static bool KeepsLiteral(char c, Component component) => IsUnreserved(c) || component switch
    {
        // pchar plus the segment separator.
        Component.Path => c is '/' or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or ':' or '@',
        // Query component: '&', '=', '+', '#' and '%' would change the meaning, everything else RFC 3986 allows stays readable.
        Component.Query => c is '!' or '$' or '\'' or '(' or ')' or '*' or ',' or ';' or ':' or '@' or '/' or '?',
        _ => c is '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or ':' or '@' or '/' or '?',
    };

    private static void Escape(StringBuilder builder, string text, Component component)
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x80 && KeepsLiteral(c, component))
            {
                builder.Append(c);
                continue;
            }

            int written;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length)
            {
                written = Encoding.UTF8.GetBytes(text.AsSpan(i, 2), utf8);
                i++;
            }
            else
            {
                written = Encoding.UTF8.GetBytes(text.AsSpan(i, 1), utf8);
            }

            for (var b = 0; b < written; b++)
            {
                builder.Append('%').Append("0123456789ABCDEF"[utf8[b] >> 4]).Append("0123456789ABCDEF"[utf8[b] & 0xF]);
            }
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string Decode(string url, int start, int length, bool plusIsSpace, string field)
    {
        var span = url.AsSpan(start, length);
        if (span.IndexOfAny('%', '+') < 0)
        {
            var plain = span.ToString();
            CheckTextAt(plain, url, start, field);
            return plain;
        }

        var bytes = new List<byte>(length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c == '%')
            {
                if (i + 2 >= span.Length
                    || !char.IsAsciiHexDigit(span[i + 1]) || !char.IsAsciiHexDigit(span[i + 2]))
                {
                    throw new ProxyUrlException("'%' must be followed by two hexadecimal digits.", field, url, start + i);
                }

                bytes.Add(byte.Parse(span.Slice(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
            }
            else if (c == '+' && plusIsSpace)
            {
                bytes.Add((byte)' ');
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                var count = char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]) ? 2 : 1;
                if (count == 1 && char.IsSurrogate(c))
                {
                    throw new ProxyUrlException("Unpaired UTF-16 surrogate.", field, url, start + i);
                }

                var written = Encoding.UTF8.GetBytes(span.Slice(i, count), utf8);
                for (var b = 0; b < written; b++)
                {
                    bytes.Add(utf8[b]);
                }

                i += count - 1;
            }
        }

        try
        {
            return StrictUtf8.GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw new ProxyUrlException("The escaped bytes are not valid UTF-8.", field, url, start);
        }
    }

    private static void CheckTextAt(string text, string url, int start, string field)
    {
        try
        {
            CheckText(text, field);
        }
        catch (ProxyUrlException e)
        {
            throw new ProxyUrlException(e.Message, field, url, start);
        }
    }

    private static bool StartsWithScheme(string url, out int schemeLength)
    {
        if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            schemeLength = 4;
            return true;
        }

        if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            schemeLength = 5;
            return true;
        }

        schemeLength = 0;
        return false;
    }

    private static string KindWord(ProxyResourceKind kind) => kind switch
    {
        ProxyResourceKind.Pod => "pod",
        ProxyResourceKind.Node => "node",
        _ => "service",
    };

    private static string Quote(string? text) => text is null ? "(none)" : "\"" + text + "\"";
}
