using System.Text;

namespace Kube.Access.Proxy.LocalApi;

/// <summary>
/// The request-path handling of Go's net/http that kubectl proxy's filters rely on: the path is fully
/// percent-decoded (an encoded <c>%2F</c> is a slash to the filter, so it cannot hide <c>/exec</c>), cleaned
/// (<c>//</c>, <c>/./</c>, <c>/../</c> are answered with a redirect to the clean path) and re-escaped when it
/// has to be rewritten.
/// </summary>
internal static class GoHttpPath
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Decodes every <c>%XX</c>; <c>false</c> when a <c>%</c> is not followed by two hex digits (Go answers 400).</summary>
    public static bool TryUnescape(string raw, out string decoded)
    {
        var percent = raw.IndexOf('%');
        if (percent < 0)
        {
            decoded = raw;
            return true;
        }

        var bytes = new byte[Utf8.GetMaxByteCount(raw.Length)];
        var count = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '%')
            {
                if (i + 2 >= raw.Length || !char.IsAsciiHexDigit(raw[i + 1]) || !char.IsAsciiHexDigit(raw[i + 2]))
                {
                    decoded = raw;
                    return false;
                }

                bytes[count++] = (byte)((HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2]));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes[count++] = (byte)c;
            }
            else
            {
                var length = char.IsHighSurrogate(c) && i + 1 < raw.Length ? 2 : 1;
                count += Utf8.GetBytes(raw.AsSpan(i, length), bytes.AsSpan(count));
                i += length - 1;
            }
        }

        decoded = Utf8.GetString(bytes, 0, count);
        return true;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>net/http's cleanPath: rooted, <c>path.Clean</c>, trailing slash kept.</summary>
    public static string CleanPath(string p)
    {
        if (p.Length == 0)
        {
            return "/";
        }

        if (p[0] != '/')
        {
            p = "/" + p;
        }

        var np = Clean(p);
        if (p[^1] == '/' && np != "/")
        {
            np += "/";
        }

        return np;
    }

    /// <summary>Go's <c>path.Clean</c> for a rooted path.</summary>
    private static string Clean(string path)
    {
        var parts = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(segment);
        }

        return "/" + string.Join('/', parts);
    }

    /// <summary>Escapes a decoded path like Go's <c>url.EscapedPath</c> does when it has no raw form to reuse.</summary>
    public static string Escape(string path)
    {
        var needs = false;
        foreach (var c in path)
        {
            if (!KeepsLiteral(c))
            {
                needs = true;
                break;
            }
        }

        if (!needs)
        {
            return path;
        }

        var builder = new StringBuilder(path.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (KeepsLiteral(c))
            {
                builder.Append(c);
                continue;
            }

            var length = char.IsHighSurrogate(c) && i + 1 < path.Length ? 2 : 1;
            var written = Utf8.GetBytes(path.AsSpan(i, length), utf8);
            i += length - 1;
            for (var b = 0; b < written; b++)
            {
                builder.Append('%').Append("0123456789ABCDEF"[utf8[b] >> 4]).Append("0123456789ABCDEF"[utf8[b] & 0xF]);
            }
        }

        return builder.ToString();
    }

    private static bool KeepsLiteral(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '$' or '&' or '+' or ',' or '/' or ':' or ';' or '=' or '@';

    /// <summary>
    /// Go's <c>net.SplitHostPort</c> as kubectl's filter uses it: the host of <c>host:port</c> or <c>[v6]:port</c>;
    /// <c>false</c> when the value has no port or is malformed (kubectl then matches the whole header value).
    /// </summary>
    public static bool TrySplitHostPort(string hostPort, out string host)
    {
        host = string.Empty;
        var i = hostPort.LastIndexOf(':');
        if (i < 0)
        {
            return false;
        }

        int j = 0, k = 0;
        if (hostPort.Length > 0 && hostPort[0] == '[')
        {
            var end = hostPort.IndexOf(']');
            if (end < 0 || end + 1 == hostPort.Length || end + 1 != i)
            {
                return false;
            }

            host = hostPort[1..end];
            j = 1;
            k = end + 1;
        }
        else
        {
            host = hostPort[..i];
            if (host.Contains(':'))
            {
                return false;
            }
        }

        if (hostPort.AsSpan(j).Contains('[') || hostPort.AsSpan(k).Contains(']'))
        {
            host = string.Empty;
            return false;
        }

        return true;
    }
}
