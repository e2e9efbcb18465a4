using System.Text.Json;

namespace Kube.Access.Manifests;

/// <summary>The manifest limits for JSON input, checked in one pass over the tokens before any node is built.</summary>
internal static class ManifestJsonLimits
{
    /// <summary>
    /// Reads the JSON value at <paramref name="offset"/> token by token and throws <see cref="ManifestLimitException"/>
    /// at the first array or object nested deeper than <see cref="ManifestParser.MaxDepth"/> or once it holds more than
    /// <paramref name="nodesLeft"/> values. Syntax errors surface as <see cref="JsonException"/>, as from the parse itself.
    /// </summary>
    /// <returns>The number of values (objects, arrays, scalars) the JSON value holds.</returns>
    public static long Check(byte[] bytes, int offset, JsonReaderOptions options, string source, int line, int index, long nodesLeft)
    {
        var reader = new Utf8JsonReader(bytes.AsSpan(offset), options);
        var nodes = 0L;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray or JsonTokenType.StartObject:
                    // CurrentDepth is the depth outside the token: 0 for the document's own object.
                    if (reader.CurrentDepth + 1 > ManifestParser.MaxDepth)
                    {
                        var at = LineOf(bytes, offset, reader.TokenStartIndex, line);
                        throw new ManifestLimitException($"error parsing {source}: json: line {at}: exceeded max depth of {ManifestParser.MaxDepth}",
                            source, at, ManifestLimit.Depth, ManifestParser.MaxDepth, index);
                    }
                    break;
                case JsonTokenType.EndArray or JsonTokenType.EndObject or JsonTokenType.PropertyName or JsonTokenType.Comment:
                    if (reader.CurrentDepth == 0 && reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject) return nodes;
                    continue;
            }
            if (++nodes > nodesLeft)
            {
                var at = LineOf(bytes, offset, reader.TokenStartIndex, line);
                throw new ManifestLimitException($"error parsing {source}: json: line {at}: the input holds more than {ManifestParser.MaxNodes} values",
                    source, at, ManifestLimit.Nodes, ManifestParser.MaxNodes, index);
            }
            if (reader.CurrentDepth == 0 && reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.StartObject)) return nodes;
        }
        return nodes;
    }

    private static int LineOf(byte[] bytes, int offset, long tokenStart, int firstLine) =>
        firstLine + bytes.AsSpan(offset, (int)tokenStart).Count((byte)'\n');
}
