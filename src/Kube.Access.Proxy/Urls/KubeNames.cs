namespace Kube.Access.Proxy;

/// <summary>Kubernetes' naming rules (apimachinery validation), as far as proxy URLs need them.</summary>
internal static class KubeNames
{
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
