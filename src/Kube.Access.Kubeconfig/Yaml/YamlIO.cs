using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Kube.Access.Kubeconfig.Yaml;

/// <summary>
/// Reads the first YAML document into <see cref="KubeconfigNode"/>s with YamlDotNet's event parser,
/// with limits checked as it reads: document size, nesting depth (also through aliases) and
/// alias expansion (go-yaml's rule, so what kubectl refuses as "excessive aliasing" we refuse too).
/// Aliased nodes are shared, not copied.
/// </summary>
internal static class YamlReader
{
    /// <summary>The deepest nesting accepted, counted through aliases.</summary>
    public const int MaxDepth = 128;

    /// <summary>The largest document accepted, in characters.</summary>
    public const int MaxDocumentLength = 32 * 1024 * 1024;

    // go-yaml (v2 and v3, so kubectl): once more than 100 nodes were reached through aliases in a
    // document of more than 1,000 decoded nodes, the share of alias-reached nodes may be at most 99%
    // up to 400,000 decoded nodes, falling linearly to 10% at 4,000,000.
    private const long AliasRatioRangeLow = 400_000;
    private const long AliasRatioRangeHigh = 4_000_000;

    public static KubeconfigNode? Read(string text, string? file)
    {
        if (text.Length > MaxDocumentLength)
        {
            throw new KubeconfigException(
                $"document larger than the limit of {MaxDocumentLength} characters", file, LineAt(text, MaxDocumentLength), 1, null);
        }

        return new DocumentReader(new Parser(new StringReader(text)), file).ReadDocument();
    }

    /// <summary>The 1-based line of character <paramref name="index"/>.</summary>
    internal static int LineAt(string text, int index) => text.AsSpan(0, Math.Min(index, text.Length)).Count('\n') + 1;

    /// <summary>go-yaml's <c>allowedAliasRatio</c>.</summary>
    internal static double AllowedAliasRatio(long decodeCount) =>
        decodeCount <= AliasRatioRangeLow ? 0.99
        : decodeCount >= AliasRatioRangeHigh ? 0.10
        : 0.99 - (0.89 * ((double)(decodeCount - AliasRatioRangeLow) / (AliasRatioRangeHigh - AliasRatioRangeLow)));

    private static string Clean(string message)
    {
        // YamlDotNet prefixes "(Line: 1, Col: 2, Idx: 3) - (Line: ...): "; we report the position ourselves.
        var i = message.IndexOf("): ", StringComparison.Ordinal);
        return i >= 0 && message.StartsWith("(Line", StringComparison.Ordinal) ? message[(i + 3)..] : message;
    }

    /// <summary>One anchored node: the node, how many nodes an alias to it expands to, and how deep it reaches below itself.</summary>
    private readonly record struct Anchor(KubeconfigNode Node, long Size, int Height);

    private sealed class DocumentReader(IParser parser, string? file)
    {
        private readonly Dictionary<string, Anchor> _anchors = new(StringComparer.Ordinal);
        private Mark _last = Mark.Empty;

        // Nodes as go-yaml's decoder counts them when it expands the document, and those of them reached through an alias.
        private long _decodeCount;
        private long _aliasCount;

        public KubeconfigNode? ReadDocument()
        {
            try
            {
                parser.Consume<StreamStart>();
                if (parser.Accept<StreamEnd>(out _))
                {
                    return null;
                }

                parser.Consume<DocumentStart>();
                Count(1, 0, parser.Current);
                var node = ReadNode(0, out _);
                parser.Consume<DocumentEnd>();
                return node;
            }
            catch (KubeconfigException)
            {
                throw;
            }
            catch (YamlException e)
            {
                var line = (int)Math.Min(int.MaxValue, e.Start.Line);
                var column = (int)Math.Min(int.MaxValue, e.Start.Column);
                throw new KubeconfigException($"invalid YAML: {Clean(e.Message)}", file, line, column, null, e);
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                throw new KubeconfigException($"invalid YAML: {e.Message}", file, (int)_last.Line, (int)_last.Column, null, e);
            }
        }

        private void Count(long nodes, long throughAliases, ParsingEvent? at)
        {
            _decodeCount += nodes;
            _aliasCount += throughAliases;
            if (_aliasCount > 100 && _decodeCount > 1000 && (double)_aliasCount / _decodeCount > AllowedAliasRatio(_decodeCount))
            {
                var mark = at?.Start ?? _last;
                throw new KubeconfigException(
                    $"document contains excessive aliasing: {_aliasCount} of {_decodeCount} nodes come from aliases, more than the {AllowedAliasRatio(_decodeCount):P0} allowed (go-yaml's limit, as kubectl)",
                    file, (int)mark.Line, (int)mark.Column, null);
            }
        }

        private KubeconfigException TooDeep(ParsingEvent at, string? through) =>
            new($"YAML nesting deeper than {MaxDepth} levels{(through is null ? string.Empty : $" (through alias '*{through}')")}", file, (int)at.Start.Line, (int)at.Start.Column, null);

        /// <summary>Reads one node at <paramref name="depth"/>; <paramref name="height"/> is how many levels it reaches below itself.</summary>
        private KubeconfigNode ReadNode(int depth, out int height)
        {
            var current = parser.Current ?? throw new KubeconfigException("unexpected end of YAML", file, (int)_last.Line, (int)_last.Column, null);
            if (depth > MaxDepth)
            {
                throw TooDeep(current, null);
            }

            _last = current.Start;
            var line = (int)current.Start.Line;
            var column = (int)current.Start.Column;
            var sizeBefore = _decodeCount;
            height = 0;
            switch (current)
            {
                case AnchorAlias alias:
                {
                    parser.MoveNext();
                    if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                    {
                        throw new KubeconfigException($"unknown anchor '{alias.Value.Value}' referenced", file, line, column, null);
                    }

                    if (depth + target.Height > MaxDepth)
                    {
                        throw TooDeep(current, alias.Value.Value);
                    }

                    // go-yaml decodes the alias node, then every node of its target again, counted as alias-reached.
                    Count(1 + target.Size, target.Size, current);
                    height = target.Height;
                    return target.Node;
                }

                case Scalar scalar:
                {
                    Count(1, 0, current);
                    parser.MoveNext();
                    var kind = ResolveScalar(scalar);
                    var node = new KubeconfigScalarNode(scalar.Value, kind) { Line = line, Column = column };
                    Remember(scalar.Anchor, node, sizeBefore, height);
                    return node;
                }

                case SequenceStart seqStart:
                {
                    Count(1, 0, current);
                    parser.MoveNext();
                    var items = new List<KubeconfigNode>();
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        items.Add(ReadNode(depth + 1, out var h));
                        height = Math.Max(height, h + 1);
                    }

                    var node = new KubeconfigSequenceNode(items) { Line = line, Column = column };
                    Remember(seqStart.Anchor, node, sizeBefore, height);
                    return node;
                }

                case MappingStart mapStart:
                {
                    Count(1, 0, current);
                    parser.MoveNext();
                    var entries = new List<KeyValuePair<string, KubeconfigNode>>();
                    List<KubeconfigMappingNode>? merges = null;
                    while (!parser.TryConsume<MappingEnd>(out _))
                    {
                        var keyEvent = parser.Current!;
                        _last = keyEvent.Start;
                        var keyNode = ReadNode(depth + 1, out var keyHeight);
                        if (keyNode is not KubeconfigScalarNode key)
                        {
                            throw new KubeconfigException("a mapping key must be a scalar", file, (int)keyEvent.Start.Line, (int)keyEvent.Start.Column, null);
                        }

                        var value = ReadNode(depth + 1, out var valueHeight);
                        height = Math.Max(height, Math.Max(keyHeight, valueHeight) + 1);
                        if (key.Value == "<<" && key.Kind == KubeconfigScalarKind.String && keyEvent is Scalar { Style: ScalarStyle.Plain })
                        {
                            merges ??= [];
                            switch (value)
                            {
                                case KubeconfigMappingNode m:
                                    merges.Add(m);
                                    break;
                                case KubeconfigSequenceNode s when s.Items.All(i => i is KubeconfigMappingNode):
                                    merges.AddRange(s.Items.Cast<KubeconfigMappingNode>());
                                    break;
                                default:
                                    throw new KubeconfigException("a merge key '<<' needs a mapping or a list of mappings", file, value.Line, value.Column, null);
                            }

                            continue;
                        }

                        entries.Add(new(key.Value, value));
                    }

                    if (merges is not null)
                    {
                        var own = new HashSet<string>(entries.Select(e => e.Key), StringComparer.Ordinal);
                        var merged = new List<KeyValuePair<string, KubeconfigNode>>();
                        foreach (var m in merges)
                        {
                            foreach (var e in m.Entries)
                            {
                                if (own.Add(e.Key))
                                {
                                    merged.Add(e);
                                }
                            }
                        }

                        merged.AddRange(entries);
                        entries = merged;
                    }

                    var node = new KubeconfigMappingNode(entries) { Line = line, Column = column };
                    Remember(mapStart.Anchor, node, sizeBefore, height);
                    return node;
                }

                default:
                    throw new KubeconfigException($"unexpected YAML event {current.GetType().Name}", file, line, column, null);
            }
        }

        private void Remember(AnchorName anchor, KubeconfigNode node, long sizeBefore, int height)
        {
            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = new Anchor(node, _decodeCount - sizeBefore, height);
            }
        }
    }

    private static KubeconfigScalarKind ResolveScalar(Scalar scalar)
    {
        if (!scalar.Tag.IsEmpty)
        {
            switch (scalar.Tag.Value)
            {
                case "tag:yaml.org,2002:str": return KubeconfigScalarKind.String;
                case "tag:yaml.org,2002:null": return KubeconfigScalarKind.Null;
                case "tag:yaml.org,2002:bool": return KubeconfigScalarKind.Bool;
                case "tag:yaml.org,2002:int": return KubeconfigScalarKind.Int;
                case "tag:yaml.org,2002:float": return KubeconfigScalarKind.Float;
            }
        }

        return scalar.Style == ScalarStyle.Plain ? ResolvePlain(scalar.Value) : KubeconfigScalarKind.String;
    }

    /// <summary>YAML 1.1 plain-scalar resolution as go-yaml v2 (and therefore kubectl) does it.</summary>
    public static KubeconfigScalarKind ResolvePlain(string v)
    {
        switch (v)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return KubeconfigScalarKind.Null;
            case "y" or "Y" or "yes" or "Yes" or "YES" or "n" or "N" or "no" or "No" or "NO"
                or "true" or "True" or "TRUE" or "false" or "False" or "FALSE"
                or "on" or "On" or "ON" or "off" or "Off" or "OFF":
                return KubeconfigScalarKind.Bool;
        }

        var c = v[0];
        if (!(char.IsAsciiDigit(c) || c is '+' or '-' or '.'))
        {
            return KubeconfigScalarKind.String;
        }

        if (IsInt(v))
        {
            return KubeconfigScalarKind.Int;
        }

        return IsFloat(v) ? KubeconfigScalarKind.Float : KubeconfigScalarKind.String;
    }

    public static bool IsTrue(string v) => v is "y" or "Y" or "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON";

    private static bool IsInt(string v)
    {
        var s = v.Replace("_", string.Empty, StringComparison.Ordinal);
        var i = 0;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            i = 1;
        }

        if (i >= s.Length)
        {
            return false;
        }

        var body = s.AsSpan(i);
        if (body.Length > 2 && body[0] == '0' && body[1] is 'x' or 'X')
        {
            return All(body[2..], char.IsAsciiHexDigit);
        }

        if (body.Length > 2 && body[0] == '0' && body[1] is 'b' or 'B')
        {
            return All(body[2..], ch => ch is '0' or '1');
        }

        if (body.Length > 2 && body[0] == '0' && body[1] is 'o' or 'O')
        {
            return All(body[2..], ch => ch is >= '0' and <= '7');
        }

        if (body.Length > 1 && body[0] == '0')
        {
            return All(body[1..], ch => ch is >= '0' and <= '7');
        }

        return All(body, char.IsAsciiDigit);
    }

    private static bool All(ReadOnlySpan<char> s, Func<char, bool> predicate)
    {
        if (s.IsEmpty)
        {
            return false;
        }

        foreach (var ch in s)
        {
            if (!predicate(ch))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsFloat(string v)
    {
        var s = v.AsSpan();
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            s = s[1..];
        }

        if (s is ".inf" or ".Inf" or ".INF" or ".nan" or ".NaN" or ".NAN" || s.Equals("inf", StringComparison.OrdinalIgnoreCase)
            || s.Equals("infinity", StringComparison.OrdinalIgnoreCase) || s.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // [0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)? with at least one digit in the mantissa.
        var i = 0;
        var digits = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '_'))
        {
            digits += s[i] == '_' ? 0 : 1;
            i++;
        }

        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '_'))
            {
                digits += s[i] == '_' ? 0 : 1;
                i++;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        if (i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-')
            {
                i++;
            }

            var exp = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                exp++;
                i++;
            }

            if (exp == 0)
            {
                return false;
            }
        }

        return i == s.Length;
    }
}

/// <summary>Writes <see cref="KubeconfigNode"/> trees as YAML (go-yaml v2 layout) or JSON.</summary>
internal static class YamlWriter
{
    public static string ToYaml(KubeconfigNode node)
    {
        var sb = new StringBuilder(4096);
        switch (node)
        {
            case KubeconfigMappingNode { Entries.Count: > 0 } map:
                WriteMapping(sb, map, 0, false);
                break;
            case KubeconfigSequenceNode { Items.Count: > 0 } seq:
                WriteSequence(sb, seq, 0);
                break;
            default:
                WriteInline(sb, node);
                sb.Append('\n');
                break;
        }

        return sb.ToString();
    }

    private static void WriteMapping(StringBuilder sb, KubeconfigMappingNode map, int indent, bool firstInline)
    {
        var first = true;
        foreach (var (key, value) in map.Entries)
        {
            if (!(first && firstInline))
            {
                sb.Append(' ', indent);
            }

            first = false;
            WriteString(sb, key);
            sb.Append(':');
            WriteAfterKey(sb, value, indent);
        }
    }

    private static void WriteAfterKey(StringBuilder sb, KubeconfigNode value, int indent)
    {
        switch (value)
        {
            case KubeconfigMappingNode { Entries.Count: > 0 } m:
                sb.Append('\n');
                WriteMapping(sb, m, indent + 2, false);
                break;
            case KubeconfigSequenceNode { Items.Count: > 0 } s:
                sb.Append('\n');
                WriteSequence(sb, s, indent);
                break;
            default:
                sb.Append(' ');
                WriteInline(sb, value);
                sb.Append('\n');
                break;
        }
    }

    private static void WriteSequence(StringBuilder sb, KubeconfigSequenceNode seq, int indent)
    {
        foreach (var item in seq.Items)
        {
            sb.Append(' ', indent).Append('-');
            switch (item)
            {
                case KubeconfigMappingNode { Entries.Count: > 0 } m:
                    sb.Append(' ');
                    WriteMapping(sb, m, indent + 2, true);
                    break;
                case KubeconfigSequenceNode { Items.Count: > 0 } s:
                    sb.Append('\n');
                    WriteSequence(sb, s, indent + 2);
                    break;
                default:
                    sb.Append(' ');
                    WriteInline(sb, item);
                    sb.Append('\n');
                    break;
            }
        }
    }

    private static void WriteInline(StringBuilder sb, KubeconfigNode node)
    {
        switch (node)
        {
            case KubeconfigMappingNode:
                sb.Append("{}");
                break;
            case KubeconfigSequenceNode:
                sb.Append("[]");
                break;
            case KubeconfigScalarNode s:
                switch (s.Kind)
                {
                    case KubeconfigScalarKind.String:
                        WriteString(sb, s.Value);
                        break;
                    case KubeconfigScalarKind.Null:
                        sb.Append("null");
                        break;
                    case KubeconfigScalarKind.Bool:
                        sb.Append(YamlReader.IsTrue(s.Value) ? "true" : "false");
                        break;
                    default:
                        if (YamlReader.ResolvePlain(s.Value) == s.Kind && NeedsQuotes(s.Value) == false)
                        {
                            sb.Append(s.Value);
                        }
                        else
                        {
                            sb.Append("!!").Append(s.Kind == KubeconfigScalarKind.Int ? "int " : "float ");
                            WriteQuoted(sb, s.Value);
                        }

                        break;
                }

                break;
        }
    }

    private static void WriteString(StringBuilder sb, string value)
    {
        if (NeedsQuotes(value) || YamlReader.ResolvePlain(value) != KubeconfigScalarKind.String)
        {
            WriteQuoted(sb, value);
        }
        else
        {
            sb.Append(value);
        }
    }

    private static bool NeedsQuotes(string value)
    {
        if (value.Length == 0)
        {
            return true;
        }

        var first = value[0];
        if (first is '-' or '?' or ':' or ',' or '[' or ']' or '{' or '}' or '#' or '&' or '*' or '!' or '|' or '>' or '\'' or '"' or '%' or '@' or '`' or ' ' or '<' or '=')
        {
            // "-foo" and "<<" are fine in YAML but quoting is always safe.
            return true;
        }

        if (value[^1] is ' ' or ':')
        {
            return true;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c < 0x20 || c >= 0x7F)
            {
                return true;
            }

            if ((c == ':' || c == ',' || c == '[' || c == ']' || c == '{' || c == '}') && i + 1 < value.Length && value[i + 1] == ' ')
            {
                return true;
            }

            if (c == '#' && value[i - 1] == ' ')
            {
                return true;
            }
        }

        return value.Contains(": ", StringComparison.Ordinal);
    }

    private static void WriteQuoted(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < 0x20 || c == 0x7F || c == '\u0085' || c == '\u2028' || c == '\u2029' || c == '\uFEFF')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    public static string ToJson(KubeconfigNode node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
#if NET9_0_OR_GREATER
            IndentSize = 4,
#endif
        }))
        {
            WriteJson(writer, node);
        }

        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length) + "\n";
    }

    private static void WriteJson(Utf8JsonWriter writer, KubeconfigNode node)
    {
        switch (node)
        {
            case KubeconfigMappingNode m:
                writer.WriteStartObject();
                foreach (var (key, value) in m.Entries)
                {
                    writer.WritePropertyName(key);
                    WriteJson(writer, value);
                }

                writer.WriteEndObject();
                break;
            case KubeconfigSequenceNode s:
                writer.WriteStartArray();
                foreach (var item in s.Items)
                {
                    WriteJson(writer, item);
                }

                writer.WriteEndArray();
                break;
            case KubeconfigScalarNode sc:
                switch (sc.Kind)
                {
                    case KubeconfigScalarKind.Null:
                        writer.WriteNullValue();
                        break;
                    case KubeconfigScalarKind.Bool:
                        writer.WriteBooleanValue(YamlReader.IsTrue(sc.Value));
                        break;
                    case KubeconfigScalarKind.Int when TryParseInt(sc.Value, out var l):
                        writer.WriteNumberValue(l);
                        break;
                    case KubeconfigScalarKind.Float when double.TryParse(sc.Value.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d):
                        writer.WriteNumberValue(d);
                        break;
                    default:
                        writer.WriteStringValue(sc.Value);
                        break;
                }

                break;
        }
    }

    private static bool TryParseInt(string text, out long value)
    {
        var s = text.Replace("_", string.Empty, StringComparison.Ordinal);
        var negative = false;
        if (s.StartsWith('+') || s.StartsWith('-'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        try
        {
            ulong u;
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                u = Convert.ToUInt64(s[2..], 16);
            }
            else if (s.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
            {
                u = Convert.ToUInt64(s[2..], 2);
            }
            else if (s.StartsWith("0o", StringComparison.OrdinalIgnoreCase))
            {
                u = Convert.ToUInt64(s[2..], 8);
            }
            else if (s.Length > 1 && s[0] == '0')
            {
                u = Convert.ToUInt64(s[1..], 8);
            }
            else
            {
                u = ulong.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
            }

            if (u > long.MaxValue)
            {
                value = 0;
                return false;
            }

            value = negative ? -(long)u : (long)u;
            return true;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            value = 0;
            return false;
        }
    }
}
