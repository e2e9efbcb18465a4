using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Kube.Access.Manifests;

/// <summary>One object read from a manifest.</summary>
/// <param name="Source">The file, URL or stream it came from.</param>
/// <param name="Index">The 0-based position of the document in its source (items of a <c>List</c> share their list's).</param>
/// <param name="Line">The 1-based line where the document starts.</param>
/// <param name="Object">The object, as JSON.</param>
public sealed record ManifestDocument(string Source, int Index, int Line, JsonObject Object)
{
    /// <summary>The object's <c>apiVersion</c>.</summary>
    public string ApiVersion => Object["apiVersion"]?.GetValue<string>() ?? "";

    /// <summary>The object's <c>kind</c>.</summary>
    public string Kind => Object["kind"]?.GetValue<string>() ?? "";

    /// <summary>The object's <c>metadata.name</c>.</summary>
    public string Name => Object["metadata"]?["name"]?.GetValue<string>() ?? "";

    /// <summary>The object's <c>metadata.namespace</c>, when it sets one.</summary>
    public string? Namespace => Object["metadata"]?["namespace"]?.GetValue<string>();

    /// <summary>The API group (empty for the core group).</summary>
    public string Group => ApiVersion.Contains('/') ? ApiVersion[..ApiVersion.IndexOf('/')] : "";

    /// <summary>The kubectl-style name, <c>deployment.apps/hello-world</c> or <c>service/hello</c>.</summary>
    public string DisplayName => (Group.Length == 0 ? Kind.ToLowerInvariant() : $"{Kind.ToLowerInvariant()}.{Group}") + "/" + Name;
}

/// <summary>Reads multi-document YAML or JSON manifests the way kubectl's YAML-or-JSON decoder does.</summary>
public static class ManifestParser
{
    /// <summary>The most nodes one source may expand to, aliases expanded.</summary>
    public const int MaxNodes = 1_000_000;

    /// <summary>
    /// The deepest nesting of sequences and mappings (arrays and objects) a document may have, the document itself
    /// counted: 1,000. kubectl stops at 10,000 (go-yaml's parser and Go's <c>encoding/json</c>), but System.Text.Json,
    /// which writes every object we send (request bodies, the last-applied annotation), stops at 1,000; no real manifest
    /// comes near either. Checked as the document is read, so nesting can never exhaust the stack.
    /// </summary>
    public const int MaxDepth = 1_000;

    /// <summary>
    /// Parses every document in <paramref name="text"/>: YAML (documents separated by <c>---</c>, YAML 1.1 scalars as
    /// Kubernetes reads them) or JSON (one or more concatenated values). <c>List</c> objects are expanded into their items.
    /// Empty documents are skipped. Every document must have <c>apiVersion</c>, <c>kind</c> and <c>metadata.name</c>.
    /// </summary>
    /// <exception cref="ManifestException">The text is not valid YAML/JSON or a document lacks a required field.</exception>
    public static IReadOnlyList<ManifestDocument> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var trimmed = text.AsSpan().TrimStart();
        var raw = trimmed.Length > 0 && trimmed[0] == '{' ? ParseJson(text, source) : ParseYaml(text, source);
        var documents = new List<ManifestDocument>();
        foreach (var (node, index, line) in raw)
        {
            if (node is null) continue;
            if (node is not JsonObject obj)
                throw new ManifestException($"error converting YAML to JSON: document {index} is a {Describe(node)}, not an object", source, line, null, index);
            if (obj.Count == 0) continue;
            Expand(obj, source, index, line, documents);
        }
        return documents;
    }

    private static void Expand(JsonObject obj, string source, int index, int line, List<ManifestDocument> into)
    {
        var kind = obj["kind"] is JsonValue k && k.TryGetValue<string>(out var ks) ? ks : null;
        var apiVersion = obj["apiVersion"] is JsonValue a && a.TryGetValue<string>(out var av) ? av : null;
        if (string.IsNullOrEmpty(kind))
            throw new ManifestException($"Object 'Kind' is missing in '{Compact(obj)}'", source, line, null, index);
        if (string.IsNullOrEmpty(apiVersion))
            throw new ManifestException($"Object 'apiVersion' is missing in '{Compact(obj)}'", source, line, null, index);
        if (kind.EndsWith("List", StringComparison.Ordinal) && obj["items"] is JsonArray items)
        {
            foreach (var item in items.ToList())
            {
                if (item is not JsonObject itemObject)
                    throw new ManifestException($"an item of the {kind} is not an object", source, line, null, index);
                items.Remove(item);
                Expand(itemObject, source, index, line, into);
            }
            return;
        }
        if (obj["metadata"] is not (null or JsonObject))
            throw new ManifestException("metadata must be an object", source, line, null, index);
        var name = obj["metadata"]?["name"] is JsonValue n && n.TryGetValue<string>(out var ns) ? ns : null;
        if (string.IsNullOrEmpty(name))
        {
            var generate = obj["metadata"]?["generateName"] is not null;
            throw new ManifestException(generate
                ? $"{kind}: cannot use generate name with apply"
                : $"{kind}: resource name may not be empty (metadata.name is required)", source, line, null, index);
        }
        into.Add(new ManifestDocument(source, index, line, obj));
    }

    private static IEnumerable<(JsonNode? Node, int Index, int Line)> ParseJson(string text, string source)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var result = new List<(JsonNode?, int, int)>();
        var offset = 0;
        var index = 0;
        var nodes = 0L;
        while (true)
        {
            while (offset < bytes.Length && bytes[offset] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') offset++;
            if (offset >= bytes.Length) break;
            var line = 1 + bytes.AsSpan(0, offset).Count((byte)'\n');
            var options = new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = MaxDepth + 1 };
            var reader = new Utf8JsonReader(bytes.AsSpan(offset), options);
            try
            {
                nodes += ManifestJsonLimits.Check(bytes, offset, options, source, line, index, MaxNodes - nodes);
                var node = JsonNode.Parse(ref reader);
                result.Add((node, index++, line));
            }
            catch (JsonException ex)
            {
                throw new ManifestException($"error parsing {source}: {ex.Message}", source, line + (int)(ex.LineNumber ?? 0), (int?)(ex.BytePositionInLine + 1), index, ex);
            }
            offset += (int)reader.BytesConsumed;
        }
        return result;
    }

    private static List<(JsonNode? Node, int Index, int Line)> ParseYaml(string text, string source)
    {
        var result = new List<(JsonNode?, int, int)>();
        var parser = new TrackingParser(new Parser(new Scanner(new StringReader(text), skipComments: true)));
        var reader = new ManifestYamlReader(parser, source);
        try
        {
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out var start))
            {
                JsonNode? root = null;
                var line = (int)start.Start.Line;
                reader.StartDocument(result.Count);
                if (!parser.Accept<DocumentEnd>(out _))
                {
                    line = (int)parser.Current!.Start.Line;
                    root = reader.ReadRoot();
                }
                parser.Consume<DocumentEnd>();
                result.Add((root, result.Count, line));
            }
            parser.Consume<StreamEnd>();
        }
        catch (YamlException ex)
        {
            var line = ErrorLine(text, ex, parser.LastLine);
            throw new ManifestException($"error parsing {source}: error converting YAML to JSON: yaml: line {line}: {ex.Message}", source, line, (int)ex.Start.Column, result.Count, ex);
        }
        return result;
    }

    /// <summary>The line to report for a YAML error: YamlDotNet leaves some errors unlocated or places them past the end.</summary>
    private static int ErrorLine(string text, YamlException ex, int lastLine)
    {
        var lines = text.Split('\n');
        var count = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        if (ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
        {
            for (var i = Math.Max(0, lastLine - 1); i < count; i++)
            {
                var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
                if (lines[i].AsSpan(0, indent).Contains('\t')) return i + 1;
            }
        }
        var line = (int)ex.Start.Line;
        if (line <= 1 && ex.Start.Column <= 1 && lastLine > 1) line = lastLine;
        return Math.Clamp(line, 1, Math.Max(1, count));
    }

    /// <summary>Remembers the line of the last event read, to locate errors YamlDotNet leaves unlocated.</summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        public int LastLine { get; private set; } = 1;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            bool moved;
            try
            {
                moved = inner.MoveNext();
            }
            catch (InvalidOperationException ex)
            {
                // YamlDotNet's scanner reports some malformed input (e.g. a plain scalar cut short inside a
                // flow sequence) with InvalidOperationException; surface it as the YAML error it is.
                var mark = new Mark(0, LastLine, 1);
                throw new YamlException(mark, mark, "malformed YAML: " + ex.Message, ex);
            }
            if (moved && inner.Current is { } e) LastLine = (int)e.Start.Line;
            return moved;
        }
    }

    internal static string? KeyText(JsonNode? key) => key switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    private static readonly HashSet<string> TrueWords = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"];
    private static readonly HashSet<string> FalseWords = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"];
    private static readonly HashSet<string> NullWords = ["", "~", "null", "Null", "NULL"];

    /// <summary>YAML 1.1 resolution of a scalar, as go-yaml v2 (what sigs.k8s.io/yaml uses) resolves it.</summary>
    internal static JsonNode? Resolve(Scalar scalar)
    {
        var value = scalar.Value;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || (tag is null && scalar.Style != ScalarStyle.Plain)) return JsonValue.Create(value);
        if (tag is "tag:yaml.org,2002:null") return null;
        if (tag is "tag:yaml.org,2002:bool") return JsonValue.Create(TrueWords.Contains(value));
        if (NullWords.Contains(value)) return null;
        if (TrueWords.Contains(value)) return JsonValue.Create(true);
        if (FalseWords.Contains(value)) return JsonValue.Create(false);
        var plain = value.Replace("_", "", StringComparison.Ordinal);
        if (TryInteger(plain, out var integer)) return JsonValue.Create(integer);
        if (IsFloat(plain) && double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
            return JsonValue.Create(d);
        return JsonValue.Create(value);
    }

    private static bool TryInteger(string s, out long value)
    {
        value = 0;
        if (s.Length == 0) return false;
        var negative = s[0] == '-';
        var body = s[0] is '-' or '+' ? s[1..] : s;
        if (body.Length == 0) return false;
        ulong magnitude;
        if (body.StartsWith("0x", StringComparison.Ordinal))
        {
            if (!ulong.TryParse(body[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out magnitude)) return false;
        }
        else if (body.StartsWith("0b", StringComparison.Ordinal))
        {
            try { magnitude = Convert.ToUInt64(body[2..], 2); }
            catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException) { return false; }
        }
        else if (body.Length > 1 && body[0] == '0' && body.All(c => c is >= '0' and <= '7'))
        {
            try { magnitude = Convert.ToUInt64(body[1..], 8); }
            catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException) { return false; }
        }
        else if (body.All(char.IsAsciiDigit))
        {
            if (!ulong.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out magnitude)) return false;
        }
        else return false;
        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1) return false;
            value = magnitude == (ulong)long.MaxValue + 1 ? long.MinValue : -(long)magnitude;
            return true;
        }
        if (magnitude > long.MaxValue) return false;
        value = (long)magnitude;
        return true;
    }

    private static bool IsFloat(string s)
    {
        var i = 0;
        if (i < s.Length && s[i] is '+' or '-') i++;
        var digits = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits++; }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits++; }
        }
        if (digits == 0) return false;
        if (i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-') i++;
            var exp = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; exp++; }
            if (exp == 0) return false;
        }
        return i == s.Length;
    }

    private static string Describe(JsonNode node) => node switch
    {
        JsonArray => "list",
        JsonValue v when v.TryGetValue<string>(out _) => "string",
        _ => "scalar",
    };

    private static string Compact(JsonObject obj)
    {
        var s = obj.ToJsonString();
        return s.Length > 200 ? s[..200] + "..." : s;
    }
}
