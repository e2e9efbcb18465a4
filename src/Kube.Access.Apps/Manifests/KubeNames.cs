using System.Text.RegularExpressions;

namespace Kube.Access.Manifests;

/// <summary>
/// The apiserver's naming rules (k8s.io/apimachinery validation), as predicates returning an error
/// text in the apiserver's words, or <see langword="null"/> when the value is valid.
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
}
