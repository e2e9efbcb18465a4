using System.Text;
using System.Text.RegularExpressions;

namespace Kube.Access;

/// <summary>
/// Keeps secrets out of strings: what <c>ToString()</c> of a credential-bearing type and error
/// messages built from other programs' output show instead of a token, password or private key.
/// </summary>
public static class KubeRedaction
{
    /// <summary>What a secret is shown as (kubectl's <c>config view</c> word).</summary>
    public const string Redacted = "REDACTED";

    /// <summary>The most characters of another program's error output kept in a message.</summary>
    public const int MaxErrorOutputLength = 512;

    /// <summary>The most lines of another program's error output kept in a message.</summary>
    public const int MaxErrorOutputLines = 5;

    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    // A JSON Web Token: three base64url parts, the first starting with '{"' encoded.
    private static readonly Regex Jwt = new(@"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*", RegexOptions.CultureInvariant, RegexTimeout);

    // An Authorization scheme and its value.
    private static readonly Regex SchemeValue = new(@"\b(?<scheme>[Bb]earer|[Bb]asic|BEARER|BASIC)(?<sep>\s+)(?<value>[A-Za-z0-9._~+/=-]+)", RegexOptions.CultureInvariant, RegexTimeout);

    // A secret's name followed by ':' or '=' and a value ("token: x", "password=x", "\"access_token\": \"x\"").
    private static readonly Regex NamedValue = new(
        @"(?<name>\b[A-Za-z_-]*(?:token|password|passwd|secret|api[_-]?key|credential|authorization)s?[""']?)(?<sep>\s*[:=]\s*[""']?)(?<value>[^\s""',;})\]]+)",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, RegexTimeout);

    // A secret's name followed by a space and a long token-like word ("token abcdef0123456789").
    private static readonly Regex NamedWord = new(
        @"(?<name>\b(?:token|password|passwd|secret))(?<sep>\s+)(?<value>[A-Za-z0-9._~+/=-]{12,})",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, RegexTimeout);

    // Long hex runs (keys, hashes) and long base64 runs that mix cases and digits (paths and words do not).
    private static readonly Regex LongHex = new(@"\b[0-9A-Fa-f]{32,}\b", RegexOptions.CultureInvariant, RegexTimeout);
    private static readonly Regex LongBase64 = new(@"[A-Za-z0-9+/_-]{32,}={0,2}", RegexOptions.CultureInvariant, RegexTimeout);

    /// <summary>
    /// A URL with the password of its user information replaced by <see cref="Redacted"/>
    /// (<c>http://user:REDACTED@proxy:3128</c>), as Go's <c>URL.Redacted</c>; other text unchanged.
    /// </summary>
    public static string? Url(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return url;
        }

        var start = url.IndexOf("://", StringComparison.Ordinal);
        start = start < 0 ? 0 : start + 3;
        var end = url.IndexOfAny(['/', '?', '#'], start);
        if (end < 0)
        {
            end = url.Length;
        }

        var at = url.LastIndexOf('@', end - 1, end - start);
        if (at < 0)
        {
            return url;
        }

        var colon = url.IndexOf(':', start, at - start);
        return colon < 0 ? url : string.Concat(url.AsSpan(0, colon + 1), Redacted, url.AsSpan(at));
    }

    /// <summary>The same as <see cref="Url(string?)"/> for a <see cref="Uri"/>.</summary>
    public static string? Url(Uri? url) => url is null ? null : Url(url.OriginalString);

    /// <summary><see cref="Redacted"/> when <paramref name="secret"/> is set, otherwise null.</summary>
    public static string? Secret(string? secret) => secret is null ? null : Redacted;

    /// <summary>
    /// Another program's error output as it may appear in an exception message: its last
    /// <see cref="MaxErrorOutputLines"/> non-empty lines, at most <see cref="MaxErrorOutputLength"/>
    /// characters (the end is kept: that is where programs say what failed), with anything
    /// token-shaped replaced by <see cref="Redacted"/> (JWTs, <c>Bearer x</c>, <c>token: x</c>,
    /// <c>password=x</c>, long hex or base64 runs).
    /// </summary>
    public static string ErrorOutput(string? output)
    {
        if (string.IsNullOrWhiteSpace(output))
        {
            return string.Empty;
        }

        // Scrub before cutting, so that a cut never leaves the unrecognisable tail of a secret behind.
        var lines = Scrub(output).Split('\n').Select(l => l.TrimEnd('\r').TrimEnd()).Where(l => l.Length > 0).ToArray();
        var kept = string.Join('\n', lines.Skip(Math.Max(0, lines.Length - MaxErrorOutputLines)));
        var cut = lines.Length > MaxErrorOutputLines;
        if (kept.Length > MaxErrorOutputLength)
        {
            kept = kept[^MaxErrorOutputLength..];
            cut = true;
        }

        return cut ? "..." + kept : kept;
    }

    /// <summary><paramref name="text"/> with anything token-shaped replaced by <see cref="Redacted"/>.</summary>
    public static string Scrub(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            text = Jwt.Replace(text, Redacted);
            text = SchemeValue.Replace(text, m => m.Groups["scheme"].Value + m.Groups["sep"].Value + Redacted);
            text = NamedValue.Replace(text, m => m.Groups["value"].Value is Redacted || IsScheme(m.Groups["value"].Value) ? m.Value : m.Groups["name"].Value + m.Groups["sep"].Value + Redacted);
            text = NamedWord.Replace(text, m => m.Groups["value"].Value == Redacted ? m.Value : m.Groups["name"].Value + m.Groups["sep"].Value + Redacted);
            text = LongHex.Replace(text, Redacted);
            return LongBase64.Replace(text, m => LooksRandom(m.Value) ? Redacted : m.Value);
        }
        catch (RegexMatchTimeoutException)
        {
            return Redacted;
        }
    }

    private static bool IsScheme(string s) => s.Equals("bearer", StringComparison.OrdinalIgnoreCase) || s.Equals("basic", StringComparison.OrdinalIgnoreCase);

    private static bool LooksRandom(string s)
    {
        bool upper = false, lower = false, digit = false;
        foreach (var c in s)
        {
            upper |= char.IsAsciiLetterUpper(c);
            lower |= char.IsAsciiLetterLower(c);
            digit |= char.IsAsciiDigit(c);
        }

        return upper && lower && digit;
    }

    /// <summary>Appends <c>Name = value</c> to a record printer, with a comma when something came before.</summary>
    internal static void Member(StringBuilder builder, ref bool any, string name, object? value)
    {
        if (any)
        {
            builder.Append(", ");
        }

        builder.Append(name).Append(" = ").Append(value);
        any = true;
    }
}
