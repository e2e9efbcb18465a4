using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Internal;

/// <summary>
/// One stored object: its identity, the facts selectors need (labels, phase, node), and its body as
/// UTF-8 JSON (or, for synthetic pods, a compact description rendered on demand).
/// </summary>
internal sealed class StoredObject
{
    private static readonly KeyValuePair<string, string>[] NoLabels = [];

    private readonly byte[]? _json;
    private readonly SyntheticPod? _synthetic;

    private StoredObject(string ns, string name, long rv, string uid, KeyValuePair<string, string>[] labels, string? phase, string? nodeName, byte[]? json, SyntheticPod? synthetic)
    {
        Namespace = ns;
        Name = name;
        Key = MakeKey(ns, name);
        ResourceVersion = rv;
        _uid = uid;
        Labels = labels;
        Phase = phase;
        NodeName = nodeName;
        _json = json;
        _synthetic = synthetic;
    }

    /// <summary>A probe for lookups by key.</summary>
    public StoredObject(string key)
    {
        Key = key;
        Namespace = "";
        Name = "";
        _uid = "";
        Labels = NoLabels;
    }

    public string Namespace { get; }
    public string Name { get; }
    public string Key { get; }
    public long ResourceVersion { get; }
    private readonly string _uid;

    public string Uid => _synthetic?.Uid ?? _uid;
    public KeyValuePair<string, string>[] Labels { get; }
    public string? Phase { get; }
    public string? NodeName { get; }
    public bool IsSynthetic => _synthetic is not null;

    public static string MakeKey(string ns, string name) => ns.Length == 0 ? name : string.Concat(ns, "/", name);

    public string? GetLabel(string key)
    {
        foreach (var kv in Labels)
        {
            if (kv.Key == key)
            {
                return kv.Value;
            }
        }
        return null;
    }

    /// <summary>The body as UTF-8 JSON (rendered for synthetic pods).</summary>
    public byte[] GetJson()
    {
        if (_json is not null)
        {
            return _json;
        }
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, JsonUtil.WriterOptions))
        {
            _synthetic!.Write(w, this);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the body into <paramref name="output"/>; <paramref name="writer"/> is reused for synthetic pods.</summary>
    public void WriteTo(IBufferWriter<byte> output, ref Utf8JsonWriter? writer)
    {
        if (_json is not null)
        {
            output.Write(_json);
            return;
        }
        if (writer is null)
        {
            writer = new Utf8JsonWriter(output, JsonUtil.WriterOptions);
        }
        else
        {
            writer.Reset(output);
        }
        _synthetic!.Write(writer, this);
        writer.Flush();
    }

    /// <summary>A mutable copy of the body.</summary>
    public JsonObject ToNode() => JsonNode.Parse(GetJson(), documentOptions: JsonUtil.ParseOptions)!.AsObject();

    /// <summary>Builds a stored object from a complete body (metadata already stamped).</summary>
    public static StoredObject FromNode(JsonObject node)
    {
        var meta = node["metadata"] as JsonObject;
        var ns = meta?["namespace"]?.GetValue<string>() ?? "";
        var name = meta?["name"]?.GetValue<string>() ?? "";
        var rvText = meta?["resourceVersion"]?.GetValue<string>();
        long.TryParse(rvText, out var rv);
        var uid = meta?["uid"]?.GetValue<string>() ?? "";
        var labels = NoLabels;
        if (meta?["labels"] is JsonObject l && l.Count > 0)
        {
            labels = new KeyValuePair<string, string>[l.Count];
            var i = 0;
            foreach (var kv in l)
            {
                labels[i++] = new(kv.Key, kv.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : kv.Value?.ToJsonString() ?? "");
            }
        }
        string? phase = (node["status"] as JsonObject)?["phase"] is JsonValue pv && pv.TryGetValue<string>(out var p) ? p : null;
        string? nodeName = (node["spec"] as JsonObject)?["nodeName"] is JsonValue nv && nv.TryGetValue<string>(out var nn) ? nn : null;
        var json = JsonSerializer.SerializeToUtf8Bytes(node, JsonUtil.Options);
        return new StoredObject(ns, name, rv, uid, labels, phase, nodeName, json, null);
    }

    /// <summary>A synthetic pod (rendered on demand).</summary>
    public static StoredObject Synthetic(string ns, string name, long rv, KeyValuePair<string, string>[] labels, string nodeName, SyntheticPod pod)
        => new(ns, name, rv, "", labels, "Running", nodeName, null, pod);

    /// <summary>A synthetic pod's own fields.</summary>
    public SyntheticPod? SyntheticBody => _synthetic;
}
