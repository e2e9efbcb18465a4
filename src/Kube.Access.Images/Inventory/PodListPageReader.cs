using System.Text.Json;

namespace Kube.Access.Images.Inventory;

/// <summary>One page of a pod list, reduced to what an image inventory needs.</summary>
internal sealed class PodPage
{
    public List<PodImages> Pods { get; } = new();

    public string? Continue { get; set; }

    public long? RemainingItemCount { get; set; }
}

/// <summary>
/// Reads a <c>PodList</c> page with <see cref="Utf8JsonReader"/>, without building a DOM: for each pod only
/// the namespace, name, container names and images, and status image IDs are materialized.
/// </summary>
internal static class PodListPageReader
{
    public static PodPage Read(ReadOnlySpan<byte> json, ContainerKinds kinds)
    {
        var page = new PodPage();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("a pod list must be a JSON object");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                ReadListMeta(ref reader, page);
            }
            else if (reader.ValueTextEquals("items"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                Expect(ref reader, JsonTokenType.StartArray);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    page.Pods.Add(ReadPod(ref reader, kinds));
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return page;
    }

    private static void ReadListMeta(ref Utf8JsonReader reader, PodPage page)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        Expect(ref reader, JsonTokenType.StartObject);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("continue"u8))
            {
                reader.Read();
                page.Continue = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("remainingItemCount"u8))
            {
                reader.Read();
                page.RemainingItemCount = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long n) ? n : null;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private struct Entry
    {
        public string Name;
        public string Image;
        public ContainerKind Kind;
    }

    private static PodImages ReadPod(ref Utf8JsonReader reader, ContainerKinds kinds)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        string ns = string.Empty;
        string name = string.Empty;
        var entries = new List<Entry>(4);
        List<(ContainerKind Kind, string Name, string ImageId)>? ids = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("name"u8))
                    {
                        reader.Read();
                        name = StringOrEmpty(ref reader);
                    }
                    else if (reader.ValueTextEquals("namespace"u8))
                    {
                        reader.Read();
                        ns = StringOrEmpty(ref reader);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else if (reader.ValueTextEquals("spec"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    ContainerKind? kind = reader.ValueTextEquals("containers"u8) ? ContainerKind.Regular
                        : reader.ValueTextEquals("initContainers"u8) ? ContainerKind.Init
                        : reader.ValueTextEquals("ephemeralContainers"u8) ? ContainerKind.Ephemeral
                        : null;
                    reader.Read();
                    if (kind is null || !Includes(kinds, kind.Value))
                    {
                        reader.Skip();
                        continue;
                    }

                    ReadContainers(ref reader, kind.Value, entries);
                }
            }
            else if (reader.ValueTextEquals("status"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    ContainerKind? kind = reader.ValueTextEquals("containerStatuses"u8) ? ContainerKind.Regular
                        : reader.ValueTextEquals("initContainerStatuses"u8) ? ContainerKind.Init
                        : reader.ValueTextEquals("ephemeralContainerStatuses"u8) ? ContainerKind.Ephemeral
                        : null;
                    reader.Read();
                    if (kind is null || !Includes(kinds, kind.Value))
                    {
                        reader.Skip();
                        continue;
                    }

                    ids ??= new();
                    ReadStatuses(ref reader, kind.Value, ids);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        var containers = new ContainerImage[entries.Count];
        int next = 0;
        // Spec order within each list; init containers first, then regular, then ephemeral.
        foreach (var wanted in Ordered)
        {
            for (int i = 0; i < entries.Count; i++)
            {
                var e = entries[i];
                if (e.Kind != wanted)
                {
                    continue;
                }

                string? imageId = null;
                if (ids is not null)
                {
                    foreach (var id in ids)
                    {
                        if (id.Kind == e.Kind && id.Name == e.Name)
                        {
                            imageId = id.ImageId.Length == 0 ? null : id.ImageId;
                            break;
                        }
                    }
                }

                containers[next++] = new ContainerImage(ns, name, e.Name, e.Image, imageId, e.Kind);
            }
        }

        return new PodImages(ns, name, containers);
    }

    private static readonly ContainerKind[] Ordered = [ContainerKind.Init, ContainerKind.Regular, ContainerKind.Ephemeral];

    private static bool Includes(ContainerKinds kinds, ContainerKind kind) => kind switch
    {
        ContainerKind.Init => (kinds & ContainerKinds.Init) != 0,
        ContainerKind.Regular => (kinds & ContainerKinds.Regular) != 0,
        _ => (kinds & ContainerKinds.Ephemeral) != 0,
    };

    private static void ReadContainers(ref Utf8JsonReader reader, ContainerKind kind, List<Entry> entries)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            string name = string.Empty;
            string? image = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    name = StringOrEmpty(ref reader);
                }
                else if (reader.ValueTextEquals("image"u8))
                {
                    reader.Read();
                    image = reader.TokenType == JsonTokenType.String ? ImageStrings.Intern(ref reader) : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            // A container without an image prints nothing in kubectl's jsonpath: leave it out.
            if (image is not null)
            {
                entries.Add(new Entry { Name = name, Image = image, Kind = kind });
            }
        }
    }

    private static void ReadStatuses(ref Utf8JsonReader reader, ContainerKind kind, List<(ContainerKind, string, string)> ids)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            string name = string.Empty;
            string imageId = string.Empty;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    name = StringOrEmpty(ref reader);
                }
                else if (reader.ValueTextEquals("imageID"u8))
                {
                    reader.Read();
                    imageId = StringOrEmpty(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            ids.Add((kind, name, imageId));
        }
    }

    private static string StringOrEmpty(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString() ?? string.Empty;
        }

        reader.Skip();
        return string.Empty;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"expected {type} but found {reader.TokenType} at byte {reader.TokenStartIndex}");
        }
    }
}

/// <summary>
/// A small, bounded cache of image strings: clusters run few distinct images in many containers, so rows
/// share one string per image instead of allocating one per container.
/// </summary>
internal static class ImageStrings
{
    private const int MaxEntries = 4096;

    [ThreadStatic]
    private static Dictionary<int, string[]>? t_cache;

    public static string Intern(ref Utf8JsonReader reader)
    {
        if (reader.HasValueSequence || reader.ValueIsEscaped || reader.ValueSpan.Length > 512)
        {
            return reader.GetString() ?? string.Empty;
        }

        ReadOnlySpan<byte> utf8 = reader.ValueSpan;
        foreach (byte b in utf8)
        {
            if (b >= 0x80)
            {
                return reader.GetString() ?? string.Empty;
            }
        }

        var cache = t_cache ??= new Dictionary<int, string[]>();
        int hash = Hash(utf8);
        if (cache.TryGetValue(hash, out var bucket))
        {
            foreach (var candidate in bucket)
            {
                if (Matches(candidate, utf8))
                {
                    return candidate;
                }
            }
        }

        string value = reader.GetString() ?? string.Empty;
        if (cache.Count < MaxEntries)
        {
            cache[hash] = bucket is null ? [value] : [.. bucket, value];
        }

        return value;
    }

    private static int Hash(ReadOnlySpan<byte> s)
    {
        unchecked
        {
            uint h = 2166136261;
            foreach (byte b in s)
            {
                h = (h ^ b) * 16777619;
            }

            return (int)h;
        }
    }

    private static bool Matches(string candidate, ReadOnlySpan<byte> utf8)
    {
        if (candidate.Length != utf8.Length)
        {
            return false;
        }

        for (int i = 0; i < utf8.Length; i++)
        {
            if (candidate[i] != utf8[i])
            {
                return false;
            }
        }

        return true;
    }
}
