using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kube.Access.TestSupport;

/// <summary>Structural JSON comparison for differential tests against kubectl.</summary>
public static class JsonCompare
{
    /// <summary>Structural equality with numbers compared by value (<c>1e3 == 1000</c>) and object keys unordered.</summary>
    public static bool Same(JsonNode? a, JsonNode? b)
    {
        switch (a)
        {
            case null:
                return b is null;
            case JsonObject oa:
                if (b is not JsonObject ob || oa.Count != ob.Count)
                {
                    return false;
                }

                foreach (var (key, value) in oa)
                {
                    if (!ob.TryGetPropertyValue(key, out var other) || !Same(value, other))
                    {
                        return false;
                    }
                }

                return true;
            case JsonArray aa:
                if (b is not JsonArray ab || aa.Count != ab.Count)
                {
                    return false;
                }

                for (var i = 0; i < aa.Count; i++)
                {
                    if (!Same(aa[i], ab[i]))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValue va:
                if (b is not JsonValue vb)
                {
                    return false;
                }

                if (va.GetValueKind() == JsonValueKind.Number && vb.GetValueKind() == JsonValueKind.Number)
                {
                    var x = ToDouble(va);
                    var y = ToDouble(vb);
                    return Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Abs(x));
                }

                return JsonNode.DeepEquals(va, vb);
            default:
                return false;
        }
    }

    /// <summary>Parses a stream of JSON values (kubectl prints one per object); a <c>List</c> is flattened to its items.</summary>
    public static List<JsonObject> ParseObjects(string json)
    {
        var list = new List<JsonObject>();
        var bytes = Encoding.UTF8.GetBytes(json);
        var offset = 0;
        while (true)
        {
            while (offset < bytes.Length && char.IsWhiteSpace((char)bytes[offset]))
            {
                offset++;
            }

            if (offset >= bytes.Length)
            {
                break;
            }

            var reader = new Utf8JsonReader(bytes.AsSpan(offset));
            var node = JsonNode.Parse(ref reader)!.AsObject();
            if (node["kind"]?.GetValue<string>() == "List" && node["items"] is JsonArray items)
            {
                list.AddRange(items.Select(i => i!.AsObject()));
            }
            else
            {
                list.Add(node);
            }

            offset += (int)reader.BytesConsumed;
        }

        return list;
    }

    private static double ToDouble(JsonValue value) => double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);
}
