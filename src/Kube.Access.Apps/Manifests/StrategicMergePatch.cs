using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kube.Access.Manifests;

/// <summary>
/// kubectl's client-side apply patch for built-in kinds: a three-way strategic merge patch
/// (<c>application/strategic-merge-patch+json</c>) between the last-applied configuration, the new manifest and the
/// live object. Fields and list items removed from the manifest since the last apply are deleted; lists with a patch
/// merge key (containers and env by <c>name</c>, container ports by <c>containerPort</c>, service ports by
/// <c>port</c>, volumes by <c>name</c>, volumeMounts by <c>mountPath</c>, ...) are merged item by item, so entries
/// other writers added to the live object survive; other lists are replaced whole.
/// </summary>
/// <remarks>Written from the Kubernetes API conventions and the <c>patchStrategy</c>/<c>patchMergeKey</c> tags of the built-in types.</remarks>
public static class StrategicMergePatch
{
    /// <summary>The content type of a strategic merge patch.</summary>
    public const string ContentType = "application/strategic-merge-patch+json";

    private const string PatchDirective = "$patch";
    private const string DeleteFromPrimitiveList = "$deleteFromPrimitiveList/";
    private const string SetElementOrder = "$setElementOrder/";

    /// <summary>Whether objects of API group <paramref name="group"/> are built-in types, which kubectl patches strategically (others get a JSON merge patch).</summary>
    public static bool IsBuiltInGroup(string group) => group.Length == 0 || group is
        "apps" or "batch" or "autoscaling" or "policy" or "networking.k8s.io" or "rbac.authorization.k8s.io"
        or "storage.k8s.io" or "scheduling.k8s.io" or "coordination.k8s.io" or "node.k8s.io" or "discovery.k8s.io"
        or "certificates.k8s.io" or "admissionregistration.k8s.io" or "apiextensions.k8s.io" or "apiregistration.k8s.io"
        or "events.k8s.io" or "flowcontrol.apiserver.k8s.io" or "resource.k8s.io" or "authentication.k8s.io"
        or "authorization.k8s.io" or "internal.apiserver.k8s.io" or "storagemigration.k8s.io";

    /// <summary>
    /// The merge key of the list at <paramref name="path"/> (field names from the object's root, list items adding no
    /// segment) in an object of kind <paramref name="kind"/>; <see langword="null"/> for lists that are replaced whole.
    /// </summary>
    public static string? MergeKey(string kind, IReadOnlyList<string> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Count == 0) return null;
        var field = path[^1];
        var parent = path.Count > 1 ? path[^2] : null;
        var inPodSpec = parent is "spec" && (kind == "Pod" || path.Contains("template") || path.Contains("jobTemplate"));
        var inContainer = parent is "containers" or "initContainers" or "ephemeralContainers";
        return field switch
        {
            "containers" or "initContainers" or "ephemeralContainers" or "volumes" or "imagePullSecrets" or "resourceClaims" when inPodSpec => "name",
            "hostAliases" when inPodSpec => "ip",
            "topologySpreadConstraints" when inPodSpec => "topologyKey",
            "env" or "resizePolicy" when inContainer => field == "env" ? "name" : "resourceName",
            "volumeMounts" when inContainer => "mountPath",
            "volumeDevices" when inContainer => "devicePath",
            "ports" when inContainer => "containerPort",
            "ports" when kind == "Service" && path.Count == 2 && parent == "spec" => "port",
            "ownerReferences" when parent == "metadata" => "uid",
            _ => null,
        };
    }

    /// <summary>Whether the list at <paramref name="path"/> is a list of scalars merged as a set (<c>metadata.finalizers</c>).</summary>
    public static bool IsPrimitiveMergeList(IReadOnlyList<string> path) =>
        path is { Count: 2 } && path[0] == "metadata" && path[1] == "finalizers";

    /// <summary>
    /// The patch turning <paramref name="current"/> into what <paramref name="modified"/> asks for: deletions of what
    /// <paramref name="original"/> (the last applied, or null) had and <paramref name="modified"/> no longer has,
    /// plus every value of <paramref name="modified"/> that differs from <paramref name="current"/>. Empty when
    /// nothing needs changing.
    /// </summary>
    public static JsonObject ThreeWay(JsonObject? original, JsonObject modified, JsonObject current)
    {
        ArgumentNullException.ThrowIfNull(modified);
        ArgumentNullException.ThrowIfNull(current);
        var kind = modified["kind"] is JsonValue k && k.TryGetValue<string>(out var s) ? s : "";
        var path = new List<string>();
        var deletions = original is null ? new JsonObject() : Deletions(kind, path, original, modified);
        var changes = Changes(kind, path, current, modified);
        return (JsonObject)Merge(kind, path, deletions, changes);
    }

    private static JsonObject Deletions(string kind, List<string> path, JsonObject original, JsonObject modified)
    {
        var patch = new JsonObject();
        foreach (var (key, ov) in original)
        {
            if (!modified.TryGetPropertyValue(key, out var mv))
            {
                patch[key] = null;
                continue;
            }
            path.Add(key);
            try
            {
                switch (ov, mv)
                {
                    case (JsonObject oo, JsonObject mo):
                        var sub = Deletions(kind, path, oo, mo);
                        if (sub.Count > 0) patch[key] = sub;
                        break;
                    case (JsonArray oa, JsonArray ma) when MergeKey(kind, path) is { } mergeKey:
                        var items = ListDeletions(kind, path, mergeKey, oa, ma);
                        if (items.Count > 0) patch[key] = items;
                        break;
                    case (JsonArray oa, JsonArray ma) when IsPrimitiveMergeList(path):
                        var gone = new JsonArray(oa.Where(o => !ma.Any(m => Same(o, m))).Select(o => o?.DeepClone()).ToArray());
                        if (gone.Count > 0) patch[DeleteFromPrimitiveList + key] = gone;
                        break;
                }
            }
            finally
            {
                path.RemoveAt(path.Count - 1);
            }
        }
        return patch;
    }

    private static JsonArray ListDeletions(string kind, List<string> path, string mergeKey, JsonArray original, JsonArray modified)
    {
        var result = new JsonArray();
        foreach (var o in original.OfType<JsonObject>())
        {
            if (!o.TryGetPropertyValue(mergeKey, out var keyValue)) continue;
            var match = modified.OfType<JsonObject>().FirstOrDefault(m => m.TryGetPropertyValue(mergeKey, out var mk) && Same(mk, keyValue));
            if (match is null)
            {
                result.Add(new JsonObject { [PatchDirective] = "delete", [mergeKey] = keyValue?.DeepClone() });
                continue;
            }
            var sub = Deletions(kind, path, o, match);
            if (sub.Count > 0) result.Add(KeyFirst(mergeKey, keyValue, sub));
        }
        return result;
    }

    private static JsonObject Changes(string kind, List<string> path, JsonObject current, JsonObject modified)
    {
        var patch = new JsonObject();
        foreach (var (key, mv) in modified)
        {
            if (!current.TryGetPropertyValue(key, out var cv) || cv is null)
            {
                if (mv is not null) patch[key] = mv.DeepClone();
                continue;
            }
            if (mv is null)
            {
                patch[key] = null;
                continue;
            }
            path.Add(key);
            try
            {
                switch (cv, mv)
                {
                    case (JsonObject co, JsonObject mo):
                        var sub = Changes(kind, path, co, mo);
                        if (sub.Count > 0) patch[key] = sub;
                        break;
                    case (JsonArray ca, JsonArray ma) when MergeKey(kind, path) is { } mergeKey && ma.All(m => m is JsonObject mo && mo.ContainsKey(mergeKey)):
                        var items = ListChanges(kind, path, mergeKey, ca, ma);
                        if (items.Count > 0)
                        {
                            patch[key] = items;
                            patch[SetElementOrder + key] = new JsonArray(ma.OfType<JsonObject>().Select(m => (JsonNode)new JsonObject { [mergeKey] = m[mergeKey]?.DeepClone() }).ToArray());
                        }
                        break;
                    case (JsonArray ca, JsonArray ma) when IsPrimitiveMergeList(path):
                        var added = new JsonArray(ma.Where(m => !ca.Any(c => Same(c, m))).Select(m => m?.DeepClone()).ToArray());
                        if (added.Count > 0) patch[key] = added;
                        break;
                    default:
                        if (!Same(cv, mv)) patch[key] = mv.DeepClone();
                        break;
                }
            }
            finally
            {
                path.RemoveAt(path.Count - 1);
            }
        }
        return patch;
    }

    private static JsonArray ListChanges(string kind, List<string> path, string mergeKey, JsonArray current, JsonArray modified)
    {
        var result = new JsonArray();
        foreach (var m in modified.OfType<JsonObject>())
        {
            var keyValue = m[mergeKey];
            var match = current.OfType<JsonObject>().FirstOrDefault(c => c.TryGetPropertyValue(mergeKey, out var ck) && Same(ck, keyValue));
            if (match is null)
            {
                result.Add(m.DeepClone());
                continue;
            }
            var sub = Changes(kind, path, match, m);
            if (sub.Count > 0) result.Add(KeyFirst(mergeKey, keyValue, sub));
        }
        return result;
    }

    /// <summary>Combines the deletion and change patches: maps key by key, merge-keyed lists item by item.</summary>
    private static JsonNode Merge(string kind, List<string> path, JsonObject deletions, JsonObject changes)
    {
        var result = (JsonObject)deletions.DeepClone();
        foreach (var (key, cv) in changes)
        {
            if (!result.TryGetPropertyValue(key, out var dv) || key.StartsWith('$'))
            {
                result[key] = cv?.DeepClone();
                continue;
            }
            path.Add(key);
            try
            {
                switch (dv, cv)
                {
                    case (JsonObject dobj, JsonObject cobj):
                        result[key] = Merge(kind, path, dobj, cobj);
                        break;
                    case (JsonArray da, JsonArray ca) when MergeKey(kind, path) is { } mergeKey:
                        var merged = new JsonArray(da.Select(d => d?.DeepClone()).ToArray());
                        foreach (var c in ca.OfType<JsonObject>())
                        {
                            var index = merged.ToList().FindIndex(d => d is JsonObject dobj2 && !IsDelete(dobj2) && Same(dobj2[mergeKey], c[mergeKey]));
                            if (index >= 0)
                            {
                                var combined = Merge(kind, path, (JsonObject)merged[index]!, c);
                                merged.RemoveAt(index);
                                merged.Insert(index, combined);
                            }
                            else
                            {
                                merged.Add(c.DeepClone());
                            }
                        }
                        result[key] = merged;
                        break;
                    default:
                        result[key] = cv?.DeepClone();
                        break;
                }
            }
            finally
            {
                path.RemoveAt(path.Count - 1);
            }
        }
        return result;
    }

    /// <summary>A list item's patch: its merge key first, then what changes in it.</summary>
    private static JsonObject KeyFirst(string mergeKey, JsonNode? keyValue, JsonObject changes)
    {
        var item = new JsonObject { [mergeKey] = keyValue?.DeepClone() };
        foreach (var (k, v) in changes)
        {
            if (k != mergeKey) item[k] = v?.DeepClone();
        }
        return item;
    }

    private static bool IsDelete(JsonObject item) => item[PatchDirective] is JsonValue v && v.TryGetValue<string>(out var s) && s == "delete";

    /// <summary>Deep equality with numbers compared by value (80 equals 80.0).</summary>
    private static bool Same(JsonNode? a, JsonNode? b)
    {
        switch (a, b)
        {
            case (null, null):
                return true;
            case (JsonObject ao, JsonObject bo):
                return ao.Count == bo.Count && ao.All(p => bo.TryGetPropertyValue(p.Key, out var bv) && Same(p.Value, bv));
            case (JsonArray aa, JsonArray ba):
                return aa.Count == ba.Count && aa.Zip(ba).All(p => Same(p.First, p.Second));
            case (JsonValue av, JsonValue bv2):
                if (av.GetValueKind() == JsonValueKind.Number && bv2.GetValueKind() == JsonValueKind.Number)
                    return Number(av) == Number(bv2);
                return JsonNode.DeepEquals(av, bv2);
            default:
                return false;
        }
    }

    private static double Number(JsonValue v) =>
        double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN;
}
