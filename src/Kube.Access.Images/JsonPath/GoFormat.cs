using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Kube.Access.Images.JsonPathInternals;

/// <summary>Go's number parsing and printing rules, as kubectl applies them to decoded JSON.</summary>
internal static class GoNumbers
{
    /// <summary>strconv.Atoi: optional sign, ASCII digits, 64-bit range.</summary>
    public static bool TryParseInt(ReadOnlySpan<char> s, out long value)
    {
        value = 0;
        if (s.Length == 0)
        {
            return false;
        }

        int i = 0;
        if (s[0] == '+' || s[0] == '-')
        {
            i = 1;
        }

        if (i == s.Length)
        {
            return false;
        }

        for (int k = i; k < s.Length; k++)
        {
            if (s[k] < '0' || s[k] > '9')
            {
                return false;
            }
        }

        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>strconv.ParseFloat restricted to what the parser can hand it (sign, digits, dots).</summary>
    public static bool TryParseFloat(string s, out double value)
    {
        value = 0;
        int i = 0;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-'))
        {
            i = 1;
        }

        int digits = 0;
        int dots = 0;
        for (int k = i; k < s.Length; k++)
        {
            char c = s[k];
            if (c == '.')
            {
                dots++;
            }
            else if (c >= '0' && c <= '9')
            {
                digits++;
            }
            else
            {
                return false;
            }
        }

        if (digits == 0 || dots > 1)
        {
            return false;
        }

        if (!double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value))
        {
            return false;
        }

        return !double.IsInfinity(value);
    }

    /// <summary>How kubectl's decoder types a JSON number: int64 when it parses as one, else float64.</summary>
    public static bool IsInt(JsonElement number, out long value) => number.TryGetInt64(out value) && IsIntegerSyntax(number);

    private static bool IsIntegerSyntax(JsonElement number)
    {
        // TryGetInt64 already rejects fractions and exponents; this guards against runtime differences.
        string raw = number.GetRawText();
        foreach (char c in raw)
        {
            if (c is '.' or 'e' or 'E')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Shortest round-trip decimal digits and the decimal point position (value = 0.DIGITS × 10^dp).</summary>
    private static (string Digits, int DecimalPoint, bool Negative) Shortest(double value)
    {
        bool negative = value < 0 || (value == 0 && double.IsNegative(value));
        double abs = Math.Abs(value);
        if (abs == 0)
        {
            return ("0", 1, negative);
        }

        string shortest = abs.ToString("R", CultureInfo.InvariantCulture);
        string mantissa = shortest;
        int exponent = 0;
        int e = shortest.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            mantissa = shortest[..e];
            exponent = int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        int dot = mantissa.IndexOf('.');
        string intPart = dot < 0 ? mantissa : mantissa[..dot];
        string fracPart = dot < 0 ? string.Empty : mantissa[(dot + 1)..];
        string digits = intPart + fracPart;
        int dp = intPart.Length + exponent;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
            dp--;
        }

        digits = digits[lead..].TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        return (digits, dp, negative);
    }

    /// <summary>fmt.Fprint of a float64 (<c>%v</c>: shortest digits, exponent form when the exponent is below -4 or at least 6).</summary>
    public static string FormatV(double value)
    {
        var (digits, dp, negative) = Shortest(value);
        int exp = dp - 1;
        var sb = new StringBuilder();
        if (negative)
        {
            sb.Append('-');
        }

        if (exp < -4 || exp >= 6)
        {
            AppendE(sb, digits, exp);
        }
        else
        {
            AppendF(sb, digits, dp);
        }

        return sb.ToString();
    }

    /// <summary>encoding/json's float64 format.</summary>
    public static string FormatJson(double value)
    {
        var (digits, dp, negative) = Shortest(value);
        double abs = Math.Abs(value);
        var sb = new StringBuilder();
        if (negative)
        {
            sb.Append('-');
        }

        if (abs != 0 && (abs < 1e-6 || abs >= 1e21))
        {
            int exp = dp - 1;
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }

            sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            AppendF(sb, digits, dp);
        }

        return sb.ToString();
    }

    private static void AppendE(StringBuilder sb, string digits, int exp)
    {
        sb.Append(digits[0]);
        if (digits.Length > 1)
        {
            sb.Append('.').Append(digits, 1, digits.Length - 1);
        }

        sb.Append('e').Append(exp < 0 ? '-' : '+');
        int a = Math.Abs(exp);
        if (a < 10)
        {
            sb.Append('0');
        }

        sb.Append(a.ToString(CultureInfo.InvariantCulture));
    }

    private static void AppendF(StringBuilder sb, string digits, int dp)
    {
        if (dp <= 0)
        {
            sb.Append("0.");
            sb.Append('0', -dp);
            sb.Append(digits);
            return;
        }

        if (dp >= digits.Length)
        {
            sb.Append(digits);
            sb.Append('0', dp - digits.Length);
            return;
        }

        sb.Append(digits, 0, dp).Append('.').Append(digits, dp, digits.Length - dp);
    }

    /// <summary>Writes a long in decimal without allocating.</summary>
    public static void WriteInt(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out int written);
        output.Advance(written);
    }
}

/// <summary>Go string literal unquoting (strconv.UnquoteChar with client-go's single-quote extension).</summary>
internal static class GoStrings
{
    public static bool TryUnquote(string quoted, out byte[] result)
    {
        result = [];
        if (quoted.Length < 2)
        {
            return false;
        }

        char quote = quoted[0];
        if (quote != quoted[^1] || (quote != '"' && quote != '\''))
        {
            return false;
        }

        string content = quoted[1..^1];
        if (content.IndexOf('\\') < 0 && content.IndexOf(quote) < 0)
        {
            result = Encoding.UTF8.GetBytes(content);
            return true;
        }

        byte[] s = Encoding.UTF8.GetBytes(content);
        var buffer = new List<byte>(s.Length);
        int i = 0;
        Span<byte> runeBytes = stackalloc byte[4];
        while (i < s.Length)
        {
            byte c = s[i];
            if (c == quote)
            {
                return false;
            }

            if (c >= 0x80)
            {
                if (Rune.DecodeFromUtf8(s.AsSpan(i), out Rune rune, out int consumed) != OperationStatus.Done)
                {
                    rune = Rune.ReplacementChar;
                    consumed = 1;
                }

                int n = rune.EncodeToUtf8(runeBytes);
                for (int k = 0; k < n; k++)
                {
                    buffer.Add(runeBytes[k]);
                }

                i += consumed;
                continue;
            }

            if (c != '\\')
            {
                buffer.Add(c);
                i++;
                continue;
            }

            if (i + 1 >= s.Length)
            {
                return false;
            }

            byte e = s[i + 1];
            i += 2;
            switch ((char)e)
            {
                case 'a': buffer.Add(7); break;
                case 'b': buffer.Add(8); break;
                case 'f': buffer.Add(12); break;
                case 'n': buffer.Add(10); break;
                case 'r': buffer.Add(13); break;
                case 't': buffer.Add(9); break;
                case 'v': buffer.Add(11); break;
                case '\\': buffer.Add((byte)'\\'); break;
                case '\'' or '"':
                    if (e != quote)
                    {
                        return false;
                    }

                    buffer.Add(e);
                    break;
                case 'x' or 'u' or 'U':
                {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (s.Length - i < n)
                    {
                        return false;
                    }

                    long v = 0;
                    for (int k = 0; k < n; k++)
                    {
                        int h = HexValue(s[i + k]);
                        if (h < 0)
                        {
                            return false;
                        }

                        v = (v << 4) | (uint)h;
                    }

                    i += n;
                    if (e == 'x')
                    {
                        buffer.Add((byte)v);
                        break;
                    }

                    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                    {
                        return false;
                    }

                    int written = new Rune((int)v).EncodeToUtf8(runeBytes);
                    for (int k = 0; k < written; k++)
                    {
                        buffer.Add(runeBytes[k]);
                    }

                    break;
                }

                case >= '0' and <= '7':
                {
                    int v = e - '0';
                    if (s.Length - i < 2)
                    {
                        return false;
                    }

                    for (int k = 0; k < 2; k++)
                    {
                        int d = s[i + k] - '0';
                        if (d < 0 || d > 7)
                        {
                            return false;
                        }

                        v = (v << 3) | d;
                    }

                    i += 2;
                    if (v > 255)
                    {
                        return false;
                    }

                    buffer.Add((byte)v);
                    break;
                }

                default:
                    return false;
            }
        }

        result = buffer.ToArray();
        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
