using System.Text;
using System.Text.RegularExpressions;

namespace Kube.Access.Proxy.LocalApi;

/// <summary>
/// kubectl proxy's request filter: a request is refused when its path matches a reject-paths expression or
/// its method a reject-methods expression; otherwise it is accepted only when its path matches an accept-paths
/// expression and its host an accept-hosts expression. Each option is a comma-separated list of Go (RE2)
/// regular expressions, matched unanchored; they run on .NET's non-backtracking engine (linear time, like RE2).
/// </summary>
internal sealed class RequestFilter
{
    private readonly Regex[] _acceptPaths;
    private readonly Regex[] _rejectPaths;
    private readonly Regex[] _acceptHosts;
    private readonly Regex[] _rejectMethods;

    public RequestFilter(string acceptPaths, string rejectPaths, string acceptHosts, string rejectMethods)
    {
        _acceptPaths = Compile(acceptPaths, "accept-paths");
        _rejectPaths = Compile(rejectPaths, "reject-paths");
        _acceptHosts = Compile(acceptHosts, "accept-hosts");
        _rejectMethods = Compile(rejectMethods, "reject-methods");
    }

    /// <summary>Whether kubectl would let the request through.</summary>
    public bool Accept(string method, string path, string host)
    {
        if (Matches(path, _rejectPaths) || Matches(method, _rejectMethods))
        {
            return false;
        }

        return Matches(path, _acceptPaths) && Matches(host, _acceptHosts);
    }

    /// <summary>The host part kubectl matches: the Host header without its port, or the whole value when it has none.</summary>
    public static string ExtractHost(string hostHeader) => GoHttpPath.TrySplitHostPort(hostHeader, out var host) ? host : hostHeader;

    private static bool Matches(string value, Regex[] expressions)
    {
        foreach (var expression in expressions)
        {
            if (expression.IsMatch(value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Splits on commas (as kubectl does) and compiles each part; an empty option is an empty list.</summary>
    public static Regex[] Compile(string? option, string name)
    {
        if (string.IsNullOrEmpty(option))
        {
            return [];
        }

        var parts = option.Split(',');
        var result = new Regex[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            try
            {
                result[i] = new Regex(TranslateGoSyntax(parts[i]), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                throw new LocalApiProxyException($"\"{parts[i]}\" is not a valid regular expression: {e.Message}", name, e);
            }
        }

        return result;
    }

    /// <summary>
    /// The two RE2 habits .NET reads differently: <c>$</c> (outside a class, without the m flag) is the end of the
    /// text in Go but "end or before a final newline" in .NET, so it becomes <c>\z</c>; <c>(?P&lt;name&gt;</c> becomes <c>(?&lt;name&gt;</c>.
    /// </summary>
    internal static string TranslateGoSyntax(string pattern)
    {
        var multiline = pattern.Contains("(?m", StringComparison.Ordinal) || Regex.IsMatch(pattern, @"\(\?[a-zA-Z]*m[a-zA-Z]*[):]", RegexOptions.None, TimeSpan.FromSeconds(1));
        var builder = new StringBuilder(pattern.Length + 4);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                builder.Append(c).Append(pattern[i + 1]);
                i++;
                continue;
            }

            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                }

                builder.Append(c);
                continue;
            }

            if (c == '[')
            {
                inClass = true;
                builder.Append(c);
                // A ']' right after '[' or '[^' is a literal.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    builder.Append('^');
                    i++;
                }

                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    builder.Append(']');
                    i++;
                }

                continue;
            }

            if (c == '$' && !multiline)
            {
                builder.Append(@"\z");
                continue;
            }

            if (c == '(' && string.CompareOrdinal(pattern, i, "(?P<", 0, 4) == 0)
            {
                builder.Append("(?<");
                i += 3;
                continue;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
