using System.Text.RegularExpressions;

namespace Kube.Access;

/// <summary>
/// The apiserver's naming rules (k8s.io/apimachinery validation): <c>Check*</c> predicates return an error
/// text in the apiserver's words, or <see langword="null"/> when the value is valid; the allocation-free
/// <c>Is*</c> predicates answer yes or no (what proxy URLs and port specs need).
/// </summary>
public static partial class KubeNames
{
    /// <summary>Maximum length of a DNS-1123 label (namespace names, service names, port names).</summary>
    public const int DnsLabelMaxLength = 63;

    /// <summary>Maximum length of a DNS-1123 subdomain (most object names, secret names).</summary>
    public const int DnsSubdomainMaxLength = 253;

    /// <summary>Maximum length of a label value and of the name part of a label key.</summary>
    public const int LabelValueMaxLength = 63;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123LabelRegex();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035LabelRegex();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123SubdomainRegex();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNamePartRegex();

    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvVarNameRegex();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex CIdentifierRegex();

    /// <summary>A DNS-1123 label: lowercase alphanumerics and '-', alphanumeric at both ends, at most 63.</summary>
    public static string? CheckDns1123Label(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "must not be empty";
        if (value.Length > DnsLabelMaxLength) return $"must be no more than {DnsLabelMaxLength} characters";
        return Dns1123LabelRegex().IsMatch(value)
            ? null
            : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    }

    /// <summary>A DNS-1035 label (service names): like DNS-1123 but starting with a letter.</summary>
    public static string? CheckDns1035Label(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "must not be empty";
        if (value.Length > DnsLabelMaxLength) return $"must be no more than {DnsLabelMaxLength} characters";
        return Dns1035LabelRegex().IsMatch(value)
            ? null
            : "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    }

    /// <summary>A DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 characters.</summary>
    public static string? CheckDns1123Subdomain(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "must not be empty";
        if (value.Length > DnsSubdomainMaxLength) return $"must be no more than {DnsSubdomainMaxLength} characters";
        return Dns1123SubdomainRegex().IsMatch(value)
            ? null
            : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    }

    /// <summary>A label or annotation key: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63.</summary>
    public static string? CheckQualifiedName(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "name part must be non-empty";
        var name = value;
        var slash = value.IndexOf('/');
        if (slash >= 0)
        {
            if (value.IndexOf('/', slash + 1) >= 0)
                return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/'";
            var prefix = value[..slash];
            name = value[(slash + 1)..];
            if (prefix.Length == 0) return "prefix part must be non-empty";
            var prefixError = CheckDns1123Subdomain(prefix);
            if (prefixError is not null) return "prefix part " + prefixError;
        }
        if (name.Length == 0) return "name part must be non-empty";
        if (name.Length > LabelValueMaxLength) return $"name part must be no more than {LabelValueMaxLength} characters";
        return QualifiedNamePartRegex().IsMatch(name)
            ? null
            : "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    }

    /// <summary>A label value: empty, or at most 63 alphanumerics, '-', '_', '.', alphanumeric at both ends.</summary>
    public static string? CheckLabelValue(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (value.Length > LabelValueMaxLength) return $"must be no more than {LabelValueMaxLength} characters";
        return QualifiedNamePartRegex().IsMatch(value)
            ? null
            : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    }

    /// <summary>An environment variable name as the apiserver accepts it.</summary>
    public static string? CheckEnvVarName(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "must not be empty";
        return EnvVarNameRegex().IsMatch(value) && value is not "." && value is not ".." && !value.StartsWith("..", StringComparison.Ordinal)
            ? null
            : "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
    }

    /// <summary>A C identifier (<c>[A-Za-z_][A-Za-z0-9_]*</c>), the dashboard's rule for variable names.</summary>
    public static bool IsCIdentifier(string? value) => !string.IsNullOrEmpty(value) && CIdentifierRegex().IsMatch(value);

    /// <summary>An IANA service name (named ports): at most 15, lowercase alphanumerics and '-', a letter, no '--'.</summary>
    public static string? CheckPortName(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "must not be empty";
        if (value.Length > 15) return "must be no more than 15 characters";
        if (!value.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-')) return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";
        if (!value.Any(c => c is >= 'a' and <= 'z')) return "must contain at least one letter (a-z)";
        if (value.Contains("--", StringComparison.Ordinal)) return "must not contain consecutive hyphens";
        if (value[0] == '-' || value[^1] == '-') return "must not begin or end with a hyphen";
        return null;
    }

    private static bool IsLowerAlnum(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');

    /// <summary>RFC 1123 label: lowercase alphanumerics and '-', alphanumeric at both ends, at most 63 characters.</summary>
    public static bool IsDns1123Label(ReadOnlySpan<char> s)
    {
        if (s.Length is 0 or > 63 || !IsLowerAlnum(s[0]) || !IsLowerAlnum(s[^1]))
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!IsLowerAlnum(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 1035 label: an RFC 1123 label that starts with a letter.</summary>
    public static bool IsDns1035Label(ReadOnlySpan<char> s) => IsDns1123Label(s) && s[0] is >= 'a' and <= 'z';

    /// <summary>RFC 1123 subdomain: RFC 1123 labels joined by '.', at most 253 characters.</summary>
    public static bool IsDns1123Subdomain(ReadOnlySpan<char> s)
    {
        if (s.Length is 0 or > 253)
        {
            return false;
        }

        while (true)
        {
            var dot = s.IndexOf('.');
            if (!IsDns1123Label(dot < 0 ? s : s[..dot]))
            {
                return false;
            }

            if (dot < 0)
            {
                return true;
            }

            s = s[(dot + 1)..];
        }
    }

    /// <summary>A port number 1-65535 written without leading zeros.</summary>
    public static bool IsPortNumber(ReadOnlySpan<char> s)
    {
        if (s.Length is 0 or > 5 || s[0] == '0')
        {
            return false;
        }

        var value = 0;
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return value <= 65535;
    }

    /// <summary>IANA_SVC_NAME: at most 15 lowercase alphanumerics and '-', with a letter, no '--', alphanumeric at both ends.</summary>
    public static bool IsPortName(ReadOnlySpan<char> s)
    {
        if (s.Length is 0 or > 15 || !IsLowerAlnum(s[0]) || !IsLowerAlnum(s[^1]) || s.Contains("--", StringComparison.Ordinal))
        {
            return false;
        }

        var letter = false;
        foreach (var c in s)
        {
            if (c is >= 'a' and <= 'z')
            {
                letter = true;
            }
            else if (!IsLowerAlnum(c) && c != '-')
            {
                return false;
            }
        }

        return letter;
    }
}
