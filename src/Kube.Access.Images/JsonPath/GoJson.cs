using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Kube.Access.Images.JsonPathInternals;

/// <summary>
/// Writes a JSON value the way Go's encoding/json marshals kubectl's decoded objects: compact, map keys
/// sorted bytewise, <c>&lt; &gt; &amp;</c> and U+2028/U+2029 escaped, integers as integers and other
/// numbers in Go's float format.
/// </summary>
internal static class GoJson
{
    private static readonly byte[] Hex = "0123456789abcdef"u8.ToArray();

    public static void Write(JsonElement element, IBufferWriter<byte> output, int depth = 0)
    {
        JsonPathLimits.CheckDepth(depth);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(element, output, depth);
                break;
            case JsonValueKind.Array:
            {
                output.Write("["u8);
                bool first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        output.Write(","u8);
                    }

                    first = false;
                    Write(item, output, depth + 1);
                }

                output.Write("]"u8);
                break;
            }

            case JsonValueKind.String:
                WriteString(Elements.GetStringSafe(element), output);
                break;
            case JsonValueKind.Number:
                if (element.TryGetInt64(out long l))
                {
                    GoNumbers.WriteInt(output, l);
                }
                else
                {
                    WriteAscii(GoNumbers.FormatJson(element.GetDouble()), output);
                }

                break;
            case JsonValueKind.True:
                output.Write("true"u8);
                break;
            case JsonValueKind.False:
                output.Write("false"u8);
                break;
            default:
                output.Write("null"u8);
                break;
        }
    }

    private static void WriteObject(JsonElement element, IBufferWriter<byte> output, int depth)
    {
        int count = 0;
        foreach (var _ in element.EnumerateObject())
        {
            count++;
        }

        var names = ArrayPool<byte[]>.Shared.Rent(Math.Max(count, 1));
        var values = ArrayPool<JsonElement>.Shared.Rent(Math.Max(count, 1));
        var order = ArrayPool<int>.Shared.Rent(Math.Max(count, 1));
        try
        {
            int i = 0;
            foreach (var property in element.EnumerateObject())
            {
                names[i] = Encoding.UTF8.GetBytes(property.Name);
                values[i] = property.Value;
                order[i] = i;
                i++;
            }

            // Stable sort by name bytes; for duplicate names Go's map keeps the last one.
            Array.Sort(order, 0, count, Comparer<int>.Create((a, b) =>
            {
                int c = names[a].AsSpan().SequenceCompareTo(names[b]);
                return c != 0 ? c : a.CompareTo(b);
            }));

            output.Write("{"u8);
            bool first = true;
            for (int k = 0; k < count; k++)
            {
                int idx = order[k];
                if (k + 1 < count && names[order[k + 1]].AsSpan().SequenceEqual(names[idx]))
                {
                    continue;
                }

                if (!first)
                {
                    output.Write(","u8);
                }

                first = false;
                WriteString(Encoding.UTF8.GetString(names[idx]), output);
                output.Write(":"u8);
                Write(values[idx], output, depth + 1);
            }

            output.Write("}"u8);
        }
        finally
        {
            Array.Clear(names, 0, count);
            ArrayPool<byte[]>.Shared.Return(names);
            ArrayPool<JsonElement>.Shared.Return(values, clearArray: true);
            ArrayPool<int>.Shared.Return(order);
        }
    }

    /// <summary>Go's encodeState.string with HTML escaping on.</summary>
    public static void WriteString(string s, IBufferWriter<byte> output)
    {
        output.Write("\""u8);
        Span<byte> buf = stackalloc byte[6];
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c < 0x80)
            {
                switch (c)
                {
                    case '\\': output.Write("\\\\"u8); continue;
                    case '"': output.Write("\\\""u8); continue;
                    case '\b': output.Write("\\b"u8); continue;
                    case '\f': output.Write("\\f"u8); continue;
                    case '\n': output.Write("\\n"u8); continue;
                    case '\r': output.Write("\\r"u8); continue;
                    case '\t': output.Write("\\t"u8); continue;
                }

                if (c < 0x20 || c == '<' || c == '>' || c == '&')
                {
                    buf[0] = (byte)'\\';
                    buf[1] = (byte)'u';
                    buf[2] = (byte)'0';
                    buf[3] = (byte)'0';
                    buf[4] = Hex[c >> 4];
                    buf[5] = Hex[c & 0xF];
                    output.Write(buf);
                    continue;
                }

                buf[0] = (byte)c;
                output.Write(buf[..1]);
                continue;
            }

            if (c == '\u2028')
            {
                output.Write("\\u2028"u8);
                continue;
            }

            if (c == '\u2029')
            {
                output.Write("\\u2029"u8);
                continue;
            }

            Rune rune;
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                rune = new Rune(c, s[i + 1]);
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                output.Write("\\ufffd"u8);
                continue;
            }
            else
            {
                rune = new Rune(c);
            }

            int n = rune.EncodeToUtf8(buf);
            output.Write(buf[..n]);
        }

        output.Write("\""u8);
    }

    private static void WriteAscii(string s, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            span[i] = (byte)s[i];
        }

        output.Advance(s.Length);
    }

    /// <summary>Writes an ASCII string (number formats) to the output.</summary>
    public static void WriteAsciiText(string s, IBufferWriter<byte> output) => WriteAscii(s, output);
}
