using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Kube.Access.Manifests;

/// <summary>
/// Builds JSON nodes from YAML events with the manifest limits checked as each event is read: nesting depth
/// (<see cref="ManifestParser.MaxDepth"/>), nodes per source (<see cref="ManifestParser.MaxNodes"/>) and go-yaml's
/// alias budget, which is checked before an alias is copied so an alias or merge-key bomb fails at once.
/// </summary>
internal sealed class ManifestYamlReader(IParser parser, string source)
{
    private readonly Dictionary<string, Anchor> _anchors = new(StringComparer.Ordinal);
    private readonly HashSet<JsonNode> _anchored = new(ReferenceEqualityComparer.Instance);
    private AliasBudget _budget;
    private long _total;
    private int _index;

    /// <summary>A node an anchor names: the node itself, how many nodes reading it built, and its height.</summary>
    private readonly record struct Anchor(JsonNode? Node, long Cost, int Height);

    /// <summary>Starts a document: anchors and the alias budget are per document, as in go-yaml.</summary>
    public void StartDocument(int index)
    {
        _index = index;
        _anchors.Clear();
        _anchored.Clear();
        _budget = new AliasBudget { Decoded = 1 };
    }

    /// <summary>Reads the node at <paramref name="depth"/> (1 for a document's root).</summary>
    /// <param name="depth">The nesting level the node sits at, if it is a sequence or mapping.</param>
    /// <param name="height">How many levels of sequences and mappings the node holds (0 for a scalar).</param>
    public JsonNode? ReadNode(int depth, out int height)
    {
        var current = parser.Current!;
        Count(current, 1);
        switch (current)
        {
            case AnchorAlias alias:
            {
                parser.MoveNext();
                if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                    throw new ManifestException($"unknown anchor '{alias.Value.Value}' referenced", source, (int)alias.Start.Line, (int)alias.Start.Column, _index);
                if (!_budget.Allows(target.Cost))
                {
                    var line = (int)alias.Start.Line;
                    throw new ManifestLimitException(
                        $"error parsing {source}: error converting YAML to JSON: yaml: line {line}: document contains excessive aliasing " +
                        $"({_budget.Aliased + target.Cost} of {_budget.Decoded + target.Cost} nodes would come from aliases; at most {AliasBudget.AllowedRatio(_budget.Decoded + target.Cost):P0} may)",
                        source, line, ManifestLimit.Aliasing, (long)Math.Round(AliasBudget.AllowedRatio(_budget.Decoded + target.Cost) * 100), _index);
                }
                _budget.Aliased += target.Cost;
                Count(alias, target.Cost);
                height = target.Height;
                if (target.Height > 0) CheckDepth(depth + target.Height - 1, alias);
                return target.Node?.DeepClone();
            }
            case Scalar scalar:
            {
                parser.MoveNext();
                var value = ManifestParser.Resolve(scalar);
                height = 0;
                Remember(scalar.Anchor, value, 1, 0);
                return value;
            }
            case SequenceStart seq:
            {
                CheckDepth(depth, seq);
                var before = _budget.Decoded;
                parser.MoveNext();
                var array = new JsonArray();
                var inner = 0;
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    array.Add(ReadNode(depth + 1, out var h));
                    inner = Math.Max(inner, h);
                }
                height = inner + 1;
                Remember(seq.Anchor, array, _budget.Decoded - before, height);
                return array;
            }
            case MappingStart map:
            {
                CheckDepth(depth, map);
                var before = _budget.Decoded;
                parser.MoveNext();
                var obj = new JsonObject();
                var inner = 0;
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyEvent = parser.Current!;
                    var keyNode = ReadNode(depth + 1, out var keyHeight);
                    var value = ReadNode(depth + 1, out var valueHeight);
                    inner = Math.Max(inner, Math.Max(keyHeight, valueHeight));
                    if (keyEvent is Scalar { Value: "<<", Style: ScalarStyle.Plain })
                    {
                        Merge(obj, value);
                        continue;
                    }
                    var key = ManifestParser.KeyText(keyNode);
                    if (key is null)
                        throw new ManifestException("error converting YAML to JSON: a mapping key must be a scalar", source, (int)keyEvent.Start.Line, (int)keyEvent.Start.Column, _index);
                    if (obj.ContainsKey(key))
                        throw new ManifestException($"error converting YAML to JSON: yaml: line {keyEvent.Start.Line}: key \"{key}\" already set in map", source, (int)keyEvent.Start.Line, (int)keyEvent.Start.Column, _index);
                    obj[key] = value;
                }
                height = inner + 1;
                Remember(map.Anchor, obj, _budget.Decoded - before, height);
                return obj;
            }
            default:
                throw new ManifestException($"unexpected YAML event {current.GetType().Name}", source, (int)current.Start.Line, null, _index);
        }
    }

    private void Count(ParsingEvent at, long nodes)
    {
        _budget.Decoded += nodes;
        _total += nodes;
        if (_total > ManifestParser.MaxNodes)
        {
            var line = (int)at.Start.Line;
            throw new ManifestLimitException($"error parsing {source}: yaml: line {line}: the document expands to more than {ManifestParser.MaxNodes} nodes",
                source, line, ManifestLimit.Nodes, ManifestParser.MaxNodes, _index);
        }
    }

    private void CheckDepth(int depth, ParsingEvent at)
    {
        if (depth <= ManifestParser.MaxDepth) return;
        var line = (int)at.Start.Line;
        throw new ManifestLimitException($"error parsing {source}: error converting YAML to JSON: yaml: line {line}: exceeded max depth of {ManifestParser.MaxDepth}",
            source, line, ManifestLimit.Depth, ManifestParser.MaxDepth, _index);
    }

    /// <summary>Names <paramref name="node"/> (kept as read: every alias copies it, and merges never take from it).</summary>
    private void Remember(AnchorName anchor, JsonNode? node, long cost, int height)
    {
        if (anchor.IsEmpty) return;
        _anchors[anchor.Value] = new Anchor(node, cost, height);
        if (node is not null) _anchored.Add(node);
    }

    /// <summary>A merge key: the mapping (or each mapping of a sequence) adds the keys <paramref name="into"/> lacks.</summary>
    private void Merge(JsonObject into, JsonNode? value)
    {
        IEnumerable<JsonNode?> sources = value is JsonArray arr ? arr.ToList() : [value];
        foreach (var s in sources)
        {
            if (s is not JsonObject o) continue;
            var owned = !_anchored.Contains(o) && (value is not JsonArray || !_anchored.Contains(value));
            foreach (var (k, v) in o.ToList())
            {
                if (into.ContainsKey(k)) continue;
                if (owned)
                {
                    o.Remove(k);
                    into[k] = v;
                }
                else into[k] = v?.DeepClone();
            }
        }
    }
}
