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

    /// <summary>A sequence or mapping being read.</summary>
    private sealed class Open(JsonNode container, AnchorName anchor, long before)
    {
        public JsonNode Container { get; } = container;
        public AnchorName Anchor { get; } = anchor;
        public long Before { get; } = before;
        public int Inner { get; set; }
        public ParsingEvent? KeyEvent { get; set; }
        public JsonNode? Key { get; set; }
        public bool HasKey { get; set; }
    }

    /// <summary>
    /// Reads the node at the parser's position (a document's root). Iterative, with an explicit stack of the open
    /// sequences and mappings, so the depth of the input never reaches the thread's stack.
    /// </summary>
    public JsonNode? ReadRoot()
    {
        var open = new Stack<Open>();
        while (true)
        {
            var current = parser.Current!;
            if (open.TryPeek(out var top) && top.Container is JsonObject && !top.HasKey && current is not MappingEnd) top.KeyEvent = current;
            JsonNode? value;
            int height;
            switch (current)
            {
                case SequenceStart or MappingStart:
                {
                    Count(current, 1);
                    CheckDepth(open.Count + 1, current);
                    var anchor = current is SequenceStart seq ? seq.Anchor : ((MappingStart)current).Anchor;
                    open.Push(new Open(current is SequenceStart ? new JsonArray() : new JsonObject(), anchor, _budget.Decoded - 1));
                    parser.MoveNext();
                    continue;
                }
                case SequenceEnd or MappingEnd:
                {
                    parser.MoveNext();
                    var done = open.Pop();
                    value = done.Container;
                    height = done.Inner + 1;
                    Remember(done.Anchor, value, _budget.Decoded - done.Before, height);
                    break;
                }
                case AnchorAlias alias:
                    Count(current, 1);
                    value = Expand(alias, open.Count + 1, out height);
                    break;
                case Scalar scalar:
                    Count(current, 1);
                    parser.MoveNext();
                    value = ManifestParser.Resolve(scalar);
                    height = 0;
                    Remember(scalar.Anchor, value, 1, 0);
                    break;
                default:
                    throw new ManifestException($"unexpected YAML event {current.GetType().Name}", source, (int)current.Start.Line, null, _index);
            }

            if (!open.TryPeek(out var parent)) return value;
            parent.Inner = Math.Max(parent.Inner, height);
            if (parent.Container is JsonArray array) array.Add(value);
            else if (!parent.HasKey)
            {
                parent.Key = value;
                parent.HasKey = true;
            }
            else
            {
                parent.HasKey = false;
                AddPair((JsonObject)parent.Container, parent.KeyEvent!, parent.Key, value);
                parent.Key = null;
            }
        }
    }

    private JsonNode? Expand(AnchorAlias alias, int depth, out int height)
    {
        parser.MoveNext();
        if (!_anchors.TryGetValue(alias.Value.Value, out var target))
            throw new ManifestException($"unknown anchor '{alias.Value.Value}' referenced", source, (int)alias.Start.Line, (int)alias.Start.Column, _index);
        if (!_budget.Allows(target.Cost))
        {
            var line = (int)alias.Start.Line;
            var decoded = _budget.Decoded + target.Cost;
            throw new ManifestLimitException(
                $"error parsing {source}: error converting YAML to JSON: yaml: line {line}: document contains excessive aliasing " +
                $"({_budget.Aliased + target.Cost} of {decoded} nodes would come from aliases; at most {AliasBudget.AllowedRatio(decoded):P0} may)",
                source, line, ManifestLimit.Aliasing, (long)Math.Round(AliasBudget.AllowedRatio(decoded) * 100), _index);
        }
        _budget.Aliased += target.Cost;
        Count(alias, target.Cost);
        height = target.Height;
        if (target.Height > 0) CheckDepth(depth + target.Height - 1, alias);
        return target.Node?.DeepClone();
    }

    private void AddPair(JsonObject obj, ParsingEvent keyEvent, JsonNode? keyNode, JsonNode? value)
    {
        if (keyEvent is Scalar { Value: "<<", Style: ScalarStyle.Plain })
        {
            Merge(obj, value);
            return;
        }
        var key = ManifestParser.KeyText(keyNode);
        if (key is null)
            throw new ManifestException("error converting YAML to JSON: a mapping key must be a scalar", source, (int)keyEvent.Start.Line, (int)keyEvent.Start.Column, _index);
        if (obj.ContainsKey(key))
            throw new ManifestException($"error converting YAML to JSON: yaml: line {keyEvent.Start.Line}: key \"{key}\" already set in map", source, (int)keyEvent.Start.Line, (int)keyEvent.Start.Column, _index);
        obj[key] = value;
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
