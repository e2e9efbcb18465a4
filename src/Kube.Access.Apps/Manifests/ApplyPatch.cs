using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kube.Access.Manifests;

/// <summary>
/// kubectl's client-side apply bookkeeping: the <c>kubectl.kubernetes.io/last-applied-configuration</c> annotation
/// (the applied object as compact JSON with sorted keys, as Go's encoder writes it) and a three-way merge patch
/// between the last-applied, the new and the live object.
/// </summary>
public static class ApplyPatch
{
    /// <summary>The annotation kubectl apply records the applied configuration in.</summary>
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>
    /// The object to send: <paramref name="applied"/> with the last-applied annotation set to itself (serialized without
    /// that annotation, <c>annotations: {}</c> kept when otherwise empty, exactly as kubectl does).
    /// </summary>
    public static JsonObject WithLastApplied(JsonObject applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var copy = (JsonObject)applied.DeepClone();
        if (copy["metadata"] is not JsonObject metadata)
        {
            metadata = new JsonObject();
            copy["metadata"] = metadata;
        }
        if (metadata["annotations"] is not JsonObject annotations)
        {
            annotations = new JsonObject();
            metadata["annotations"] = annotations;
        }
        annotations.Remove(LastAppliedAnnotation);
        var text = GoJson(copy) + "\n";
        annotations[LastAppliedAnnotation] = text;
        return copy;
    }

    /// <summary>The last-applied configuration recorded on a live object, parsed; <see langword="null"/> when absent.</summary>
    public static JsonObject? LastApplied(JsonObject live)
    {
        var text = live?["metadata"]?["annotations"]?[LastAppliedAnnotation] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// A JSON merge patch turning <paramref name="current"/> into <paramref name="modified"/>: fields of
    /// <paramref name="modified"/> that differ from the live object are set, fields that were in
    /// <paramref name="original"/> (the last applied) but are gone from <paramref name="modified"/> are deleted, and
    /// fields only the server set are left alone. Lists are replaced whole when they changed since the last apply
    /// or the live list does not contain them. Empty when nothing needs changing.
    /// </summary>
    public static JsonObject ThreeWay(JsonObject? original, JsonObject modified, JsonObject current)
    {
        ArgumentNullException.ThrowIfNull(modified);
        ArgumentNullException.ThrowIfNull(current);
        var patch = new JsonObject();
        foreach (var (key, mv) in modified)
        {
            var hasCurrent = current.TryGetPropertyValue(key, out var cv);
            JsonNode? ov = null;
            var hasOriginal = original is not null && original.TryGetPropertyValue(key, out ov);
            if (!hasCurrent || cv is null)
            {
                if (mv is not null) patch[key] = mv.DeepClone();
                continue;
            }
            if (mv is JsonObject mo && cv is JsonObject co)
            {
                var sub = ThreeWay(ov as JsonObject, mo, co);
                if (sub.Count > 0) patch[key] = sub;
                continue;
            }
            if (mv is null)
            {
                patch[key] = null;
                continue;
            }
            var changedSinceLastApply = hasOriginal && mv is JsonArray && !JsonNode.DeepEquals(ov, mv);
            if (changedSinceLastApply || !Contains(cv, mv)) patch[key] = mv.DeepClone();
        }
        if (original is not null)
        {
            foreach (var (key, _) in original)
                if (!modified.ContainsKey(key) && current.ContainsKey(key))
                    patch[key] = null;
        }
        return patch;
    }

    /// <summary>Whether <paramref name="live"/> holds everything <paramref name="wanted"/> says (the server may add defaults).</summary>
    internal static bool Contains(JsonNode? live, JsonNode? wanted)
    {
        switch (wanted)
        {
            case null:
                return live is null;
            case JsonObject wo:
                if (live is not JsonObject lo) return false;
                foreach (var (k, v) in wo)
                {
                    if (!lo.TryGetPropertyValue(k, out var lv)) return v is null;
                    if (!Contains(lv, v)) return false;
                }
                return true;
            case JsonArray wa:
                if (live is not JsonArray la || la.Count != wa.Count) return false;
                for (var i = 0; i < wa.Count; i++)
                    if (!Contains(la[i], wa[i])) return false;
                return true;
            case JsonValue wv:
                if (live is not JsonValue lv2) return false;
                if (wv.GetValueKind() == JsonValueKind.Number && lv2.GetValueKind() == JsonValueKind.Number)
                    return NumberOf(wv) == NumberOf(lv2);
                return JsonNode.DeepEquals(wv, lv2);
        }
        return false;
    }

    private static double NumberOf(JsonValue v) =>
        double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN;

    /// <summary>Serializes like Go's <c>encoding/json</c> on a map: compact, keys sorted by byte order, HTML-sensitive characters escaped, other text as UTF-8.</summary>
    public static string GoJson(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject o:
                sb.Append('{');
                var first = true;
                foreach (var (k, v) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, k);
                    sb.Append(':');
                    Write(sb, v);
                }
                sb.Append('}');
                break;
            case JsonArray a:
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    Write(sb, a[i]);
                }
                sb.Append(']');
                break;
            case JsonValue v:
                switch (v.GetValueKind())
                {
                    case JsonValueKind.String:
                        WriteString(sb, v.GetValue<string>());
                        break;
                    case JsonValueKind.True:
                        sb.Append("true");
                        break;
                    case JsonValueKind.False:
                        sb.Append("false");
                        break;
                    case JsonValueKind.Number:
                        sb.Append(FormatNumber(v));
                        break;
                    default:
                        sb.Append("null");
                        break;
                }
                break;
        }
    }

    private static string FormatNumber(JsonValue v)
    {
        if (v.TryGetValue<long>(out var l)) return l.ToString(CultureInfo.InvariantCulture);
        if (v.TryGetValue<int>(out var i)) return i.ToString(CultureInfo.InvariantCulture);
        var element = v.GetValue<JsonElement>();
        if (element.TryGetInt64(out var el)) return el.ToString(CultureInfo.InvariantCulture);
        var d = element.GetDouble();
        if (d == Math.Floor(d) && Math.Abs(d) < 1e21) return d.ToString("0", CultureInfo.InvariantCulture);
        var abs = Math.Abs(d);
        if (abs != 0 && (abs < 1e-6 || abs >= 1e21))
        {
            return d.ToString("R", CultureInfo.InvariantCulture).Replace("E+", "e+", StringComparison.Ordinal).Replace("E-", "e-", StringComparison.Ordinal);
        }
        return d.ToString("R", CultureInfo.InvariantCulture);
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '<': sb.Append("\\u003c"); break;
                case '>': sb.Append("\\u003e"); break;
                case '&': sb.Append("\\u0026"); break;
                case '\u2028': sb.Append("\\u2028"); break;
                case '\u2029': sb.Append("\\u2029"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
