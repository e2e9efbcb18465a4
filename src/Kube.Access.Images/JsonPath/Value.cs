using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Kube.Access.Images.JsonPathInternals;

internal enum JpKind : byte
{
    /// <summary>No value (client-go's zero reflect.Value: what a range over nothing evaluates on).</summary>
    Invalid,

    /// <summary>A JSON value of the document.</summary>
    Element,

    /// <summary>A string literal of the template, as UTF-8 bytes.</summary>
    Text,

    /// <summary>An integer literal of the template (Go int).</summary>
    Int,

    /// <summary>A float literal of the template (Go float64).</summary>
    Float,

    /// <summary>A boolean literal of the template.</summary>
    Bool,

    /// <summary>One byte of a string, as <c>*</c> yields when applied to a string (Go uint8).</summary>
    Byte,
}

/// <summary>One value flowing through evaluation; a struct so that lists of them do not allocate per item.</summary>
internal readonly struct JpValue
{
    private JpValue(JpKind kind, JsonElement element, byte[]? text, long integer, double number)
    {
        Kind = kind;
        Element = element;
        Text = text;
        Integer = integer;
        Number = number;
    }

    public JpKind Kind { get; }

    public JsonElement Element { get; }

    public byte[]? Text { get; }

    public long Integer { get; }

    public double Number { get; }

    public static JpValue Invalid => default;

    public bool IsNull => Kind == JpKind.Element && Element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public static JpValue Of(JsonElement element) => new(JpKind.Element, element, null, 0, 0);

    public static JpValue OfText(byte[] utf8) => new(JpKind.Text, default, utf8, 0, 0);

    public static JpValue OfInt(long value) => new(JpKind.Int, default, null, value, 0);

    public static JpValue OfFloat(double value) => new(JpKind.Float, default, null, 0, value);

    public static JpValue OfBool(bool value) => new(JpKind.Bool, default, null, value ? 1 : 0, 0);

    public static JpValue OfByte(byte value) => new(JpKind.Byte, default, null, value, 0);

    /// <summary>The Go type name client-go would print for this value in an error.</summary>
    public string GoTypeName => Kind switch
    {
        JpKind.Element => Element.ValueKind switch
        {
            JsonValueKind.Object => "map[string]interface {}",
            JsonValueKind.Array => "[]interface {}",
            JsonValueKind.String => "string",
            JsonValueKind.Number => Element.TryGetInt64(out _) ? "int64" : "float64",
            JsonValueKind.True or JsonValueKind.False => "bool",
            _ => "<nil>",
        },
        JpKind.Text => "string",
        JpKind.Int => "int",
        JpKind.Float => "float64",
        JpKind.Bool => "bool",
        JpKind.Byte => "uint8",
        _ => "<invalid Value>",
    };
}

/// <summary>Helpers over <see cref="JsonElement"/> that never throw for odd-but-valid JSON.</summary>
internal static class Elements
{
    /// <summary>The decoded string; lone surrogate escapes become U+FFFD like Go's decoder does.</summary>
    public static string GetStringSafe(JsonElement element)
    {
        try
        {
            return element.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            string raw = element.GetRawText();
            return DecodeLenient(raw.AsSpan(1, raw.Length - 2));
        }
    }

    private static string DecodeLenient(ReadOnlySpan<char> s)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c != '\\' || i + 1 >= s.Length)
            {
                sb.Append(c);
                continue;
            }

            char e = s[++i];
            switch (e)
            {
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u' when i + 4 < s.Length:
                    sb.Append((char)Convert.ToInt32(s.Slice(i + 1, 4).ToString(), 16));
                    i += 4;
                    break;
                default: sb.Append(e); break;
            }
        }

        // Replace unpaired surrogates.
        var chars = sb.ToString().ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    /// <summary>Writes the decoded UTF-8 bytes of a string element, without allocating when it has no escapes.</summary>
    public static void WriteStringValue(JsonElement element, IBufferWriter<byte> output)
    {
#if NET9_0_OR_GREATER
        ReadOnlySpan<byte> raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element);
        if (raw.Length >= 2 && raw.IndexOf((byte)'\\') < 0)
        {
            output.Write(raw[1..^1]);
            return;
        }
#endif
        string s = GetStringSafe(element);
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        var span = output.GetSpan(max);
        int n = Encoding.UTF8.GetBytes(s, span);
        output.Advance(n);
    }

    /// <summary>The decoded UTF-8 bytes of a string element (allocates).</summary>
    public static byte[] GetUtf8(JsonElement element) => Encoding.UTF8.GetBytes(GetStringSafe(element));

    /// <summary>Whether a string element is empty, without allocating.</summary>
    public static bool IsEmptyString(JsonElement element) => element.ValueEquals(ReadOnlySpan<byte>.Empty);
}
