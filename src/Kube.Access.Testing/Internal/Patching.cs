using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Internal;

/// <summary>JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch for the common fields.</summary>
internal static class Patching
{
    /// <summary>Applies a patch of the given content type to a copy of <paramref name="target"/>.</summary>
    public static JsonObject Apply(JsonObject target, string contentType, byte[] body)
    {
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        switch (mediaType)
        {
            case "application/merge-patch+json":
                return MergePatch(target, JsonUtil.Parse(body)) as JsonObject ?? throw ApiException.BadRequest("the patch must produce an object");
            case "application/strategic-merge-patch+json":
                return (JsonObject)StrategicMerge(target, JsonUtil.Parse(body), null);
            case "application/json-patch+json":
                JsonNode? ops;
                try
                {
                    ops = JsonNode.Parse(body, documentOptions: JsonUtil.ParseOptions);
                }
                catch (System.Text.Json.JsonException e)
                {
                    throw ApiException.BadRequest("error decoding patch: " + e.Message);
                }
                if (ops is not JsonArray array)
                {
                    throw ApiException.BadRequest("json patch must be an array of operations");
                }
                return JsonPatch(target, array);
            default:
                throw ApiException.UnsupportedMediaType(contentType);
        }
    }

    /// <summary>RFC 7386.</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }
        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : new JsonObject();
        foreach (var (k, v) in p)
        {
            if (v is null)
            {
                result.Remove(k);
            }
            else
            {
                var merged = MergePatch(result[k], v);
                result[k] = merged;
            }
        }
        return result;
    }

    private static string? MergeKey(string? field, JsonArray list)
    {
        switch (field)
        {
            case "containers":
            case "initContainers":
            case "ephemeralContainers":
            case "env":
            case "volumes":
            case "imagePullSecrets":
            case "containerStatuses":
            case "initContainerStatuses":
                return "name";
            case "volumeMounts":
                return "mountPath";
            case "volumeDevices":
                return "devicePath";
            case "conditions":
            case "addresses":
                return "type";
            case "ownerReferences":
                return "uid";
            case "hostAliases":
                return "ip";
            case "taints":
                return "key";
            case "topologySpreadConstraints":
                return "topologyKey";
            case "ports":
                foreach (var item in list)
                {
                    if (item is JsonObject o && o.ContainsKey("containerPort"))
                    {
                        return "containerPort";
                    }
                }
                return "port";
            default:
                return null;
        }
    }

    private static bool IsPrimitiveMergeList(string? field) => field is "finalizers";

    /// <summary>A strategic merge patch with the list merge keys of the built-in types' common fields.</summary>
    public static JsonNode StrategicMerge(JsonNode? target, JsonObject patch, string? field)
    {
        if (JsonUtil.Str(patch["$patch"]) == "replace")
        {
            var copy = (JsonObject)patch.DeepClone();
            copy.Remove("$patch");
            return copy;
        }
        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : new JsonObject();
        foreach (var (k, v) in patch)
        {
            if (k.StartsWith("$setElementOrder/", StringComparison.Ordinal) || k.StartsWith("$retainKeys", StringComparison.Ordinal) || k == "$patch")
            {
                continue;
            }
            if (k.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var listName = k["$deleteFromPrimitiveList/".Length..];
                if (result[listName] is JsonArray existing && v is JsonArray remove)
                {
                    var drop = remove.Select(x => x?.ToJsonString()).ToHashSet();
                    var kept = new JsonArray(existing.Where(x => !drop.Contains(x?.ToJsonString())).Select(x => x?.DeepClone()).ToArray());
                    result[listName] = kept;
                }
                continue;
            }
            if (v is null)
            {
                result.Remove(k);
            }
            else if (v is JsonObject vo)
            {
                if (JsonUtil.Str(vo["$patch"]) == "delete")
                {
                    result.Remove(k);
                }
                else
                {
                    result[k] = StrategicMerge(result[k], vo, k);
                }
            }
            else if (v is JsonArray va && result[k] is JsonArray ta)
            {
                result[k] = MergeList(k, ta, va);
            }
            else
            {
                result[k] = StripDirectives(v.DeepClone());
            }
        }
        return result;
    }

    private static JsonNode? StripDirectives(JsonNode? node)
    {
        if (node is JsonObject o)
        {
            foreach (var key in o.Select(kv => kv.Key).Where(k => k.StartsWith('$')).ToList())
            {
                o.Remove(key);
            }
            foreach (var (_, v) in o.ToList())
            {
                StripDirectives(v);
            }
        }
        else if (node is JsonArray a)
        {
            foreach (var item in a)
            {
                StripDirectives(item);
            }
        }
        return node;
    }

    private static JsonArray MergeList(string field, JsonArray target, JsonArray patch)
    {
        if (IsPrimitiveMergeList(field))
        {
            var merged = new JsonArray(target.Select(x => x?.DeepClone()).ToArray());
            var seen = target.Select(x => x?.ToJsonString()).ToHashSet();
            foreach (var item in patch)
            {
                if (seen.Add(item?.ToJsonString()))
                {
                    merged.Add(item?.DeepClone());
                }
            }
            return merged;
        }
        var key = MergeKey(field, patch.Count > 0 ? patch : target);
        if (key is null || patch.Any(p => p is not JsonObject))
        {
            if (patch.Count == 1 && patch[0] is JsonObject only && JsonUtil.Str(only["$patch"]) == "replace")
            {
                return new JsonArray();
            }
            return (JsonArray)StripDirectives(patch.DeepClone())!;
        }
        var items = target.Select(x => x?.DeepClone()).ToList();
        foreach (var p in patch.Cast<JsonObject>())
        {
            if (JsonUtil.Str(p["$patch"]) == "replace")
            {
                items.Clear();
                continue;
            }
            var keyValue = p[key]?.ToJsonString();
            var index = keyValue is null ? -1 : items.FindIndex(x => x is JsonObject xo && xo[key]?.ToJsonString() == keyValue);
            if (JsonUtil.Str(p["$patch"]) == "delete")
            {
                if (index >= 0)
                {
                    items.RemoveAt(index);
                }
                continue;
            }
            if (index >= 0)
            {
                items[index] = StrategicMerge(items[index], p, field);
            }
            else
            {
                items.Add(StripDirectives(p.DeepClone()));
            }
        }
        return new JsonArray(items.ToArray());
    }

    /// <summary>RFC 6902.</summary>
    public static JsonObject JsonPatch(JsonObject target, JsonArray operations)
    {
        JsonNode root = target.DeepClone();
        foreach (var opNode in operations)
        {
            if (opNode is not JsonObject op)
            {
                throw ApiException.BadRequest("json patch operation must be an object");
            }
            var kind = JsonUtil.Str(op["op"]) ?? throw ApiException.BadRequest("json patch operation has no 'op'");
            var path = JsonUtil.Str(op["path"]) ?? throw ApiException.BadRequest("json patch operation has no 'path'");
            switch (kind)
            {
                case "add":
                    root = Add(root, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    root = Remove(root, path, out _);
                    break;
                case "replace":
                {
                    var (parent, last) = Parent(root, path);
                    switch (parent)
                    {
                        case JsonObject o when o.ContainsKey(last):
                            o[last] = op["value"]?.DeepClone();
                            break;
                        case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                            a[i] = op["value"]?.DeepClone();
                            break;
                        default:
                            throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: replace operation does not apply: doc is missing key: {path}");
                    }
                    break;
                }
                case "move":
                {
                    var from = JsonUtil.Str(op["from"]) ?? throw ApiException.BadRequest("move needs 'from'");
                    root = Remove(root, from, out var moved);
                    root = Add(root, path, moved);
                    break;
                }
                case "copy":
                {
                    var from = JsonUtil.Str(op["from"]) ?? throw ApiException.BadRequest("copy needs 'from'");
                    root = Add(root, path, Get(root, from)?.DeepClone());
                    break;
                }
                case "test":
                    if (Get(root, path)?.ToJsonString() != op["value"]?.ToJsonString())
                    {
                        throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    }
                    break;
                default:
                    throw ApiException.BadRequest($"unexpected json patch operation \"{kind}\"");
            }
        }
        return root as JsonObject ?? throw ApiException.BadRequest("the patch must produce an object");
    }

    private static string[] Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }
        if (pointer[0] != '/')
        {
            throw ApiException.BadRequest($"invalid JSON pointer \"{pointer}\"");
        }
        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();
    }

    private static JsonNode? Get(JsonNode root, string pointer)
    {
        JsonNode? cur = root;
        foreach (var t in Tokens(pointer))
        {
            cur = cur switch
            {
                JsonObject o => o[t],
                JsonArray a when int.TryParse(t, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw ApiException.BadRequest($"json patch path \"{pointer}\" does not exist"),
            };
        }
        return cur;
    }

    private static (JsonNode parent, string last) Parent(JsonNode root, string pointer)
    {
        var tokens = Tokens(pointer);
        if (tokens.Length == 0)
        {
            throw ApiException.BadRequest("json patch may not replace the root");
        }
        var parentPointer = "/" + string.Join('/', tokens[..^1].Select(t => t.Replace("~", "~0").Replace("/", "~1")));
        var parent = tokens.Length == 1 ? root : Get(root, parentPointer);
        return (parent ?? throw ApiException.BadRequest($"json patch path \"{pointer}\" does not exist"), tokens[^1]);
    }

    private static JsonNode Add(JsonNode root, string pointer, JsonNode? value)
    {
        var (parent, last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw ApiException.BadRequest($"json patch path \"{pointer}\" does not exist");
        }
        return root;
    }

    private static JsonNode Remove(JsonNode root, string pointer, out JsonNode? removed)
    {
        var (parent, last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                removed = o[last];
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default:
                throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: unable to remove nonexistent key: {pointer}");
        }
        return root;
    }
}
