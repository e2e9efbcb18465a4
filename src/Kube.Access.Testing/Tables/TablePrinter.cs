using System.Globalization;
using System.Text.Json.Nodes;
using Kube.Access.Testing.Internal;

namespace Kube.Access.Testing.Tables;

/// <summary>
/// The server-side printer of one kind, as the apiserver's <c>pkg/printers/internalversion</c> handlers:
/// the column definitions and, for one object, its cells (always the wide set; kubectl drops the
/// priority-1 columns unless <c>-o wide</c>). A cell is a <see cref="string"/> or a <see cref="long"/>.
/// </summary>
internal abstract class TablePrinter
{
    public abstract IReadOnlyList<TableColumn> Columns { get; }

    public abstract object[] Cells(JsonObject obj, DateTimeOffset now);

    protected static string Name(JsonObject obj) => JsonUtil.Str(obj["metadata"]?["name"]) ?? "";

    protected static string Age(JsonObject obj, DateTimeOffset now) => HumanDuration.Since(JsonUtil.Str(obj["metadata"]?["creationTimestamp"]), now);

    protected static long Long(JsonNode? node) => JsonUtil.Long(node) ?? 0;

    protected static string Str(JsonNode? node) => JsonUtil.Str(node) ?? "";

    protected static string Itoa(long v) => v.ToString(CultureInfo.InvariantCulture);

    protected static IEnumerable<JsonObject> Objects(JsonNode? array) => (array as JsonArray)?.OfType<JsonObject>() ?? [];

    /// <summary><c>labels.FormatLabels</c>: <c>k=v</c> pairs sorted by key, <c>&lt;none&gt;</c> when empty.</summary>
    protected static string FormatLabels(JsonNode? map)
    {
        if (map is not JsonObject o || o.Count == 0)
        {
            return "<none>";
        }
        return string.Join(',', o.Select(kv => (kv.Key, Value: JsonUtil.Str(kv.Value) ?? kv.Value?.ToJsonString() ?? "")).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));
    }

    /// <summary><c>metav1.LabelSelectorAsSelector(sel).String()</c>: requirements sorted by key; <c>&lt;none&gt;</c> for a nil selector.</summary>
    protected static string FormatSelector(JsonNode? selector)
    {
        if (selector is not JsonObject sel)
        {
            return "<none>";
        }
        var reqs = new List<(string Key, string Text)>();
        if (sel["matchLabels"] is JsonObject ml)
        {
            foreach (var (k, v) in ml)
            {
                reqs.Add((k, k + "=" + (JsonUtil.Str(v) ?? "")));
            }
        }
        foreach (var e in Objects(sel["matchExpressions"]))
        {
            var key = Str(e["key"]);
            var values = (e["values"] as JsonArray)?.Select(v => JsonUtil.Str(v) ?? "").Order(StringComparer.Ordinal).ToList() ?? [];
            var text = Str(e["operator"]) switch
            {
                "In" => key + " in (" + string.Join(',', values) + ")",
                "NotIn" => key + " notin (" + string.Join(',', values) + ")",
                "Exists" => key,
                "DoesNotExist" => "!" + key,
                _ => key,
            };
            reqs.Add((key, text));
        }
        return string.Join(',', reqs.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Text));
    }

    /// <summary><c>layoutContainerCells</c>: container names and images, comma-separated.</summary>
    protected static (string Names, string Images) ContainerCells(JsonNode? podSpec)
    {
        var containers = Objects(podSpec?["containers"]).ToList();
        return (string.Join(',', containers.Select(c => Str(c["name"]))), string.Join(',', containers.Select(c => Str(c["image"]))));
    }
}
