namespace Kube.Access.Images.JsonPathInternals;

/// <summary>A node of a parsed template (the tree shape of client-go's jsonpath parser).</summary>
internal abstract class JpNode
{
    protected JpNode(int position) => Position = position;

    /// <summary>Character offset in the template.</summary>
    public int Position { get; }
}

/// <summary>A sequence of nodes applied one after the other (an action, a union member, a filter side).</summary>
internal sealed class ListNode : JpNode
{
    private readonly List<JpNode> _building = new();

    public ListNode(int position) : base(position) { }

    public JpNode[] Nodes { get; private set; } = [];

    public void Append(JpNode node) => _building.Add(node);

    public JpNode? Last => _building.Count == 0 ? null : _building[^1];

    public IReadOnlyList<JpNode> Pending => _building;

    public void Seal()
    {
        Nodes = _building.ToArray();
        foreach (var node in Nodes)
        {
            switch (node)
            {
                case ListNode list: list.Seal(); break;
                case FilterNode filter: filter.Left.Seal(); filter.Right.Seal(); break;
                case UnionNode union:
                    foreach (var member in union.Members) member.Seal();
                    break;
            }
        }
    }
}

/// <summary>Literal text (outside actions, or a quoted string inside one), as UTF-8 bytes.</summary>
internal sealed class TextNode(int position, byte[] utf8) : JpNode(position)
{
    public byte[] Utf8 { get; } = utf8;
}

/// <summary>A map key lookup (<c>.name</c>).</summary>
internal sealed class FieldNode(int position, string name) : JpNode(position)
{
    public string Name { get; } = name;

    public byte[] Utf8Name { get; } = System.Text.Encoding.UTF8.GetBytes(name);
}

/// <summary>One of the three parameters of an index or slice.</summary>
internal readonly record struct SliceParam(long Value, bool Known, bool Derived);

/// <summary>An index or slice <c>[start:end:step]</c>.</summary>
internal sealed class ArrayNode(int position, SliceParam start, SliceParam end, SliceParam step) : JpNode(position)
{
    public SliceParam Start { get; } = start;

    public SliceParam End { get; } = end;

    public SliceParam Step { get; } = step;
}

/// <summary>A filter <c>[?(left op right)]</c>; operator <c>exists</c> when there is no comparison.</summary>
internal sealed class FilterNode(int position, ListNode left, ListNode right, string op) : JpNode(position)
{
    public ListNode Left { get; } = left;

    public ListNode Right { get; } = right;

    public string Operator { get; } = op;
}

internal sealed class IntNode(int position, long value) : JpNode(position)
{
    public long Value { get; } = value;
}

internal sealed class FloatNode(int position, double value) : JpNode(position)
{
    public double Value { get; } = value;
}

internal sealed class BoolNode(int position, bool value) : JpNode(position)
{
    public bool Value { get; } = value;
}

internal sealed class WildcardNode(int position) : JpNode(position);

internal sealed class RecursiveNode(int position) : JpNode(position);

/// <summary>A union <c>[a,b]</c>: each member evaluated on the same input, results concatenated.</summary>
internal sealed class UnionNode(int position, ListNode[] members) : JpNode(position)
{
    public ListNode[] Members { get; } = members;
}

/// <summary>A keyword (<c>range</c>, <c>end</c>); anything else fails when evaluated, as in kubectl.</summary>
internal sealed class IdentifierNode(int position, string name) : JpNode(position)
{
    public string Name { get; } = name;
}
