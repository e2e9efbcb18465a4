using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Internal;

/// <summary>Type-safe reads of JSON nodes (client input may hold any type anywhere).</summary>
internal static class JsonUtil
{
    /// <summary>
    /// The deepest JSON a request may nest (the apiserver's Go decoder stops at 10,000; the emulator's
    /// recursive patch and validation code stops well before the stack does).
    /// </summary>
    public const int MaxDepth = 1000;

    /// <summary>Serializer options that escape like the apiserver (quotes as \", non-ASCII kept).</summary>
    public static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = MaxDepth + 8 };

    /// <summary>Parse options allowing <see cref="MaxDepth"/> levels.</summary>
    public static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = MaxDepth };

    /// <summary>Writer options matching <see cref="Options"/>.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true, MaxDepth = MaxDepth + 8 };

    public static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static int? Int(JsonNode? node)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var i))
        {
            return i;
        }
        if (node is JsonValue s && s.GetValueKind() == JsonValueKind.Number && s.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
        {
            return (int)d;
        }
        return null;
    }

    public static long? Long(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var l) ? l : null;

    public static bool? Bool(JsonNode? node) => node is JsonValue v ? v.GetValueKind() switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null } : null;

    public static JsonObject? Obj(JsonNode? node) => node as JsonObject;

    public static JsonArray? Arr(JsonNode? node) => node as JsonArray;

    public static JsonObject Ensure(JsonObject parent, string name)
    {
        if (parent[name] is JsonObject o)
        {
            return o;
        }
        o = new JsonObject();
        parent[name] = o;
        return o;
    }

    public static JsonArray EnsureArray(JsonObject parent, string name)
    {
        if (parent[name] is JsonArray a)
        {
            return a;
        }
        a = new JsonArray();
        parent[name] = a;
        return a;
    }

    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Now() => Timestamp(DateTimeOffset.UtcNow);

    public static string Rv(long rv) => rv.ToString(CultureInfo.InvariantCulture);

    /// <summary>The labels of an object's metadata (or of a template), as a dictionary.</summary>
    public static Dictionary<string, string> Labels(JsonObject? meta)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        if (meta?["labels"] is JsonObject l)
        {
            foreach (var (k, v) in l)
            {
                if (Str(v) is string s)
                {
                    d[k] = s;
                }
            }
        }
        return d;
    }

    public static JsonObject Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonNode.Parse(json, documentOptions: ParseOptions) as JsonObject ?? throw ApiException.BadRequest("the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest("error decoding the request body: " + e.Message);
        }
    }
}
