namespace Kube.Access.Testing.Internal;

/// <summary>A parsed label selector (<c>=</c>, <c>==</c>, <c>!=</c>, <c>in</c>, <c>notin</c>, exists, <c>!key</c>).</summary>
internal sealed class LabelSelector
{
    private enum Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist }

    private sealed record Requirement(string Key, Op Op, string[] Values);

    private readonly Requirement[] _requirements;

    private LabelSelector(Requirement[] requirements) => _requirements = requirements;

    public bool IsEmpty => _requirements.Length == 0;

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new LabelSelector([]);
        }
        var reqs = new List<Requirement>();
        var i = 0;
        var s = text;
        while (true)
        {
            SkipWs(s, ref i);
            if (i >= s.Length)
            {
                break;
            }
            var negate = false;
            if (s[i] == '!')
            {
                negate = true;
                i++;
                SkipWs(s, ref i);
            }
            var key = ReadToken(s, ref i);
            if (key.Length == 0)
            {
                throw Invalid(text, "expected a label key");
            }
            SkipWs(s, ref i);
            if (negate)
            {
                reqs.Add(new Requirement(key, Op.DoesNotExist, []));
            }
            else if (i >= s.Length || s[i] == ',')
            {
                reqs.Add(new Requirement(key, Op.Exists, []));
            }
            else if (s[i] == '=' || (s[i] == '!' && i + 1 < s.Length && s[i + 1] == '='))
            {
                var op = Op.Equals;
                if (s[i] == '!')
                {
                    op = Op.NotEquals;
                    i += 2;
                }
                else
                {
                    i += i + 1 < s.Length && s[i + 1] == '=' ? 2 : 1;
                }
                SkipWs(s, ref i);
                var value = ReadToken(s, ref i);
                reqs.Add(new Requirement(key, op, [value]));
            }
            else
            {
                var word = ReadToken(s, ref i);
                Op op = word switch
                {
                    "in" => Op.In,
                    "notin" => Op.NotIn,
                    _ => throw Invalid(text, $"unexpected \"{word}\" after key \"{key}\""),
                };
                SkipWs(s, ref i);
                if (i >= s.Length || s[i] != '(')
                {
                    throw Invalid(text, "expected '(' after " + word);
                }
                var close = s.IndexOf(')', i);
                if (close < 0)
                {
                    throw Invalid(text, "expected ')'");
                }
                var values = s[(i + 1)..close].Split(',', StringSplitOptions.TrimEntries);
                i = close + 1;
                reqs.Add(new Requirement(key, op, values));
            }
            SkipWs(s, ref i);
            if (i < s.Length)
            {
                if (s[i] != ',')
                {
                    throw Invalid(text, $"unexpected '{s[i]}'");
                }
                i++;
            }
        }
        return new LabelSelector(reqs.ToArray());
    }

    /// <summary>Builds a selector from a <c>matchLabels</c> map.</summary>
    public static LabelSelector FromMatchLabels(IReadOnlyDictionary<string, string> labels)
        => new(labels.Select(kv => new Requirement(kv.Key, Op.Equals, [kv.Value])).ToArray());

    private static ApiException Invalid(string text, string why) => ApiException.BadRequest($"unable to parse requirement: {why}: found in label selector \"{text}\"");

    private static void SkipWs(string s, ref int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i]))
        {
            i++;
        }
    }

    private static string ReadToken(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && s[i] is not (',' or '=' or '!' or '(' or ')') && !char.IsWhiteSpace(s[i]))
        {
            i++;
        }
        return s[start..i];
    }

    public bool Matches(StoredObject o)
    {
        foreach (var r in _requirements)
        {
            var v = o.GetLabel(r.Key);
            var ok = r.Op switch
            {
                Op.Equals => v == r.Values[0],
                Op.NotEquals => v != r.Values[0],
                Op.In => v is not null && Array.IndexOf(r.Values, v) >= 0,
                Op.NotIn => v is null || Array.IndexOf(r.Values, v) < 0,
                Op.Exists => v is not null,
                _ => v is null,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var r in _requirements)
        {
            var v = labels.TryGetValue(r.Key, out var x) ? x : null;
            var ok = r.Op switch
            {
                Op.Equals => v == r.Values[0],
                Op.NotEquals => v != r.Values[0],
                Op.In => v is not null && Array.IndexOf(r.Values, v) >= 0,
                Op.NotIn => v is null || Array.IndexOf(r.Values, v) < 0,
                Op.Exists => v is not null,
                _ => v is null,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>
/// A parsed field selector (<c>=</c>, <c>==</c>, <c>!=</c>, comma-separated), limited per kind to the fields
/// the apiserver's field label conversions accept; any other field is the apiserver's 400.
/// </summary>
internal sealed class FieldSelector
{
    private sealed record Requirement(string Field, bool Equal, string Value);

    /// <summary>
    /// The fields each kind's registered conversion accepts (k8s.io/kubernetes pkg/apis/*/v1 conversion.go);
    /// a kind without one accepts only metadata.name and metadata.namespace.
    /// </summary>
    private static readonly Dictionary<string, string[]> FieldsByKind = new(StringComparer.Ordinal)
    {
        ["Pod"] = ["metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"],
        ["Node"] = ["metadata.name", "spec.unschedulable"],
        ["Namespace"] = ["metadata.name", "status.phase"],
        ["Secret"] = ["metadata.name", "metadata.namespace", "type"],
        ["Service"] = ["metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"],
        ["Event"] = ["metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
        ["ReplicationController"] = ["metadata.name", "metadata.namespace", "status.replicas"],
        ["ReplicaSet"] = ["metadata.name", "metadata.namespace", "status.replicas"],
        ["StatefulSet"] = ["metadata.name", "metadata.namespace", "status.successful"],
        ["Job"] = ["metadata.name", "metadata.namespace", "status.successful"],
    };

    private readonly Requirement[] _requirements;

    private FieldSelector(Requirement[] r) => _requirements = r;

    public bool IsEmpty => _requirements.Length == 0;

    /// <summary>The name this selector pins (<c>metadata.name=x</c>), if any.</summary>
    public string? PinnedName => _requirements.FirstOrDefault(r => r.Field == "metadata.name" && r.Equal)?.Value;

    public static FieldSelector Parse(string? text, ResourceDef def)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new FieldSelector([]);
        }
        var reqs = new List<Requirement>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                continue;
            }
            string field, value;
            bool equal;
            var ne = part.IndexOf("!=", StringComparison.Ordinal);
            if (ne >= 0)
            {
                field = part[..ne];
                value = part[(ne + 2)..];
                equal = false;
            }
            else
            {
                var eq = part.IndexOf('=');
                if (eq < 0)
                {
                    throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
                }
                field = part[..eq];
                value = part[(eq + 1)..];
                if (value.StartsWith('='))
                {
                    value = value[1..];
                }
                equal = true;
            }
            field = field.Trim();
            if (FieldsByKind.TryGetValue(def.Kind, out var supported))
            {
                if (Array.IndexOf(supported, field) < 0)
                {
                    throw ApiException.BadRequest($"field label not supported: {field}");
                }
            }
            else if (field is not ("metadata.name" or "metadata.namespace"))
            {
                throw ApiException.BadRequest($"\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
            }
            reqs.Add(new Requirement(field, equal, value.Trim()));
        }
        return new FieldSelector(reqs.ToArray());
    }

    public bool Matches(StoredObject o)
    {
        System.Text.Json.Nodes.JsonObject? body = null;
        foreach (var r in _requirements)
        {
            var actual = r.Field switch
            {
                "metadata.name" => o.Name,
                "metadata.namespace" => o.Namespace,
                "status.phase" when o.Phase is not null || o.IsSynthetic => o.Phase ?? "",
                "spec.nodeName" when o.NodeName is not null || o.IsSynthetic => o.NodeName ?? "",
                _ => FieldValue(body ??= o.ToNode(), r.Field),
            };
            if ((actual == r.Value) != r.Equal)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A field's value as the apiserver's selectable fields render it (absent = empty, booleans and numbers as text).</summary>
    private static string FieldValue(System.Text.Json.Nodes.JsonObject body, string field)
    {
        switch (field)
        {
            case "source":
                return JsonUtil.Str(body["source"]?["component"]) ?? "";
            case "reportingComponent":
                return JsonUtil.Str(body["reportingComponent"]) ?? "";
            case "spec.hostNetwork":
            case "spec.unschedulable":
                return JsonUtil.Bool(Walk(body, field)) == true ? "true" : "false";
            case "status.replicas":
            case "status.successful":
                return (JsonUtil.Long(Walk(body, field == "status.successful" ? "status.succeeded" : field)) ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
            default:
                var node = Walk(body, field);
                return JsonUtil.Str(node) ?? (node is System.Text.Json.Nodes.JsonValue v ? v.ToJsonString() : "");
        }
    }

    private static System.Text.Json.Nodes.JsonNode? Walk(System.Text.Json.Nodes.JsonObject body, string path)
    {
        System.Text.Json.Nodes.JsonNode? node = body;
        foreach (var part in path.Split('.'))
        {
            node = (node as System.Text.Json.Nodes.JsonObject)?[part];
        }
        return node;
    }
}
