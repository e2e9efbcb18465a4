using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Kube.Access.Images.JsonPathInternals;

/// <summary>An evaluation failure: the message client-go would give and the template position of the node.</summary>
internal sealed class EvalError(string message, int position)
{
    public string Message { get; } = message;

    public int Position { get; } = position;
}

/// <summary>
/// Evaluates a parsed template with client-go's semantics (range/end bookkeeping, missing keys, filters,
/// output joining), writing into a reusable buffer. Lists of values are pooled so that evaluating a compiled
/// template over many documents does not allocate in steady state. One instance per thread at a time.
/// </summary>
internal sealed class Evaluator
{
    [ThreadStatic]
    private static Evaluator? t_cached;

    private readonly Stack<List<JpValue>> _free = new();
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private JpNode[] _nodes = [];
    private bool _allowMissingKeys;
    private int _beginRange;
    private int _inRange;
    private int _endRange;
    private int _lastEndNode;

    public static Evaluator Rent()
    {
        var evaluator = t_cached ?? new Evaluator();
        t_cached = null;
        return evaluator;
    }

    public static void Return(Evaluator evaluator)
    {
        if (evaluator._buffer.Capacity <= 1 << 20)
        {
            t_cached = evaluator;
        }
    }

    /// <summary>Evaluates <paramref name="nodes"/> on <paramref name="data"/>; on success the output is in <see cref="Output"/>.</summary>
    public EvalError? Execute(JpNode[] nodes, JpValue data, bool allowMissingKeys)
    {
        _nodes = nodes;
        _allowMissingKeys = allowMissingKeys;
        _beginRange = _inRange = _endRange = 0;
        _lastEndNode = -1;
        _buffer.ResetWrittenCount();
        return FindResults(data, 0, emit: true);
    }

    public ReadOnlySpan<byte> Output => _buffer.WrittenSpan;

    private List<JpValue> RentList() => _free.Count > 0 ? _free.Pop() : new List<JpValue>(8);

    private void ReturnList(List<JpValue> list)
    {
        list.Clear();
        _free.Push(list);
    }

    private EvalError? FindResults(JpValue data, int start, bool emit)
    {
        var cur = RentList();
        cur.Add(data);
        try
        {
            for (int i = start; i < _nodes.Length; i++)
            {
                var results = RentList();
                try
                {
                    var error = Walk(cur, _nodes[i], results);
                    if (error is not null)
                    {
                        return error;
                    }

                    // An end node closes the block being evaluated.
                    if (_endRange > 0 && _endRange <= _inRange)
                    {
                        _endRange--;
                        _lastEndNode = i;
                        break;
                    }

                    // A range node: evaluate the rest of the template once per result.
                    if (_beginRange > 0)
                    {
                        _beginRange--;
                        _inRange++;
                        if (results.Count > 0)
                        {
                            for (int k = 0; k < results.Count; k++)
                            {
                                var value = results[k];
                                error = FindResults(value.IsNull ? JpValue.Invalid : value, i + 1, emit);
                                if (error is not null)
                                {
                                    return error;
                                }
                            }
                        }
                        else
                        {
                            // Nothing to range over: still walk the block (its output is dropped) to find its end.
                            error = FindResults(JpValue.Invalid, i + 1, emit: false);
                            if (error is not null)
                            {
                                return error;
                            }
                        }

                        _inRange--;
                        for (int k = i + 1; k < _nodes.Length; k++)
                        {
                            if (k == _lastEndNode)
                            {
                                i = k;
                                break;
                            }
                        }

                        continue;
                    }

                    if (emit)
                    {
                        Print(results);
                    }
                }
                finally
                {
                    ReturnList(results);
                }
            }

            return null;
        }
        finally
        {
            ReturnList(cur);
        }
    }

    private void Print(List<JpValue> results)
    {
        for (int i = 0; i < results.Count; i++)
        {
            WriteValue(results[i], _buffer);
            if (i != results.Count - 1)
            {
                _buffer.Write(" "u8);
            }
        }
    }

    private static void WriteValue(in JpValue value, IBufferWriter<byte> output)
    {
        switch (value.Kind)
        {
            case JpKind.Element:
                var element = value.Element;
                switch (element.ValueKind)
                {
                    case JsonValueKind.Object or JsonValueKind.Array:
                        GoJson.Write(element, output);
                        break;
                    case JsonValueKind.String:
                        Elements.WriteStringValue(element, output);
                        break;
                    case JsonValueKind.Number:
                        if (element.TryGetInt64(out long l))
                        {
                            GoNumbers.WriteInt(output, l);
                        }
                        else
                        {
                            GoJson.WriteAsciiText(GoNumbers.FormatV(element.GetDouble()), output);
                        }

                        break;
                    case JsonValueKind.True:
                        output.Write("true"u8);
                        break;
                    case JsonValueKind.False:
                        output.Write("false"u8);
                        break;
                    default:
                        output.Write("null"u8);
                        break;
                }

                break;
            case JpKind.Text:
                output.Write(value.Text);
                break;
            case JpKind.Int or JpKind.Byte:
                GoNumbers.WriteInt(output, value.Integer);
                break;
            case JpKind.Float:
                GoJson.WriteAsciiText(GoNumbers.FormatV(value.Number), output);
                break;
            case JpKind.Bool:
                output.Write(value.Integer != 0 ? "true"u8 : "false"u8);
                break;
            default:
                output.Write("<no value>"u8);
                break;
        }
    }

    private EvalError? Walk(List<JpValue> input, JpNode node, List<JpValue> output)
    {
        switch (node)
        {
            case ListNode list:
                return EvalList(input, list, output);
            case TextNode text:
                output.Add(JpValue.OfText(text.Utf8));
                return null;
            case FieldNode field:
                return EvalField(input, field, output);
            case ArrayNode array:
                return EvalArray(input, array, output);
            case FilterNode filter:
                return EvalFilter(input, filter, output);
            case IntNode integer:
                for (int i = 0; i < input.Count; i++)
                {
                    output.Add(JpValue.OfInt(integer.Value));
                }

                return null;
            case FloatNode number:
                for (int i = 0; i < input.Count; i++)
                {
                    output.Add(JpValue.OfFloat(number.Value));
                }

                return null;
            case BoolNode boolean:
                for (int i = 0; i < input.Count; i++)
                {
                    output.Add(JpValue.OfBool(boolean.Value));
                }

                return null;
            case WildcardNode:
                for (int i = 0; i < input.Count; i++)
                {
                    AddChildren(input[i], output);
                }

                return null;
            case RecursiveNode:
                for (int i = 0; i < input.Count; i++)
                {
                    AddRecursive(input[i], output, 0);
                }

                return null;
            case UnionNode union:
                return EvalUnion(input, union, output);
            case IdentifierNode identifier:
                return EvalIdentifier(input, identifier, output);
            default:
                return new EvalError($"unexpected node {node.GetType().Name}", node.Position);
        }
    }

    private EvalError? EvalList(List<JpValue> input, ListNode list, List<JpValue> output)
    {
        var nodes = list.Nodes;
        if (nodes.Length == 0)
        {
            output.AddRange(input);
            return null;
        }

        List<JpValue> cur = input;
        for (int i = 0; i < nodes.Length; i++)
        {
            var next = i == nodes.Length - 1 ? output : RentList();
            var error = Walk(cur, nodes[i], next);
            if (!ReferenceEquals(cur, input))
            {
                ReturnList(cur);
            }

            cur = next;
            if (error is not null)
            {
                if (!ReferenceEquals(cur, output))
                {
                    output.AddRange(cur);
                    ReturnList(cur);
                }

                return error;
            }
        }

        return null;
    }

    private EvalError? EvalField(List<JpValue> input, FieldNode node, List<JpValue> output)
    {
        if (input.Count == 0)
        {
            return null;
        }

        int before = output.Count;
        for (int i = 0; i < input.Count; i++)
        {
            var value = input[i];
            if (value.Kind == JpKind.Element && value.Element.ValueKind == JsonValueKind.Object
                && value.Element.TryGetProperty(node.Utf8Name, out var property))
            {
                output.Add(JpValue.Of(property));
            }
        }

        if (output.Count == before && !_allowMissingKeys)
        {
            return new EvalError($"{node.Name} is not found", node.Position);
        }

        return null;
    }

    private static EvalError? EvalArray(List<JpValue> input, ArrayNode node, List<JpValue> output)
    {
        for (int i = 0; i < input.Count; i++)
        {
            var value = input[i];
            if (value.IsNull)
            {
                continue;
            }

            if (value.Kind != JpKind.Element || value.Element.ValueKind != JsonValueKind.Array)
            {
                return Fail(input, output, $"{value.GoTypeName} is not array or slice", node.Position);
            }

            long length = value.Element.GetArrayLength();
            long start = node.Start.Known ? node.Start.Value : 0;
            if (start < 0)
            {
                start += length;
            }

            long end = node.End.Known ? node.End.Value : length;
            if (end < 0 || (end == 0 && node.End.Derived))
            {
                end += length;
            }

            if (end != start)
            {
                if (start >= length || start < 0)
                {
                    return Fail(input, output, $"array index out of bounds: index {start}, length {length}", node.Position);
                }

                if (end > length || end < 0)
                {
                    return Fail(input, output, $"array index out of bounds: index {end - 1}, length {length}", node.Position);
                }

                if (start > end)
                {
                    return Fail(input, output, $"starting index {start} is greater than ending index {end}", node.Position);
                }
            }
            else
            {
                // client-go stops here, returning what it has so far.
                return null;
            }

            long step = 1;
            if (node.Step.Known)
            {
                if (node.Step.Value <= 0)
                {
                    return Fail(input, output, "step must be > 0", node.Position);
                }

                step = node.Step.Value;
            }

            long index = 0;
            foreach (var item in value.Element.EnumerateArray())
            {
                if (index >= end)
                {
                    break;
                }

                if (index >= start && (index - start) % step == 0)
                {
                    output.Add(JpValue.Of(item));
                }

                index++;
            }
        }

        return null;
    }

    private static EvalError Fail(List<JpValue> input, List<JpValue> output, string message, int position)
    {
        output.Clear();
        output.AddRange(input);
        return new EvalError(message, position);
    }

    private EvalError? EvalFilter(List<JpValue> input, FilterNode node, List<JpValue> output)
    {
        for (int i = 0; i < input.Count; i++)
        {
            var value = input[i];
            if (value.Kind != JpKind.Element || value.Element.ValueKind != JsonValueKind.Array)
            {
                return Fail(input, output, $"{Describe(value)} is not array or slice and cannot be filtered", node.Position);
            }

            foreach (var item in value.Element.EnumerateArray())
            {
                var temp = RentList();
                var lefts = RentList();
                var rights = RentList();
                try
                {
                    temp.Add(JpValue.Of(item));
                    var error = EvalList(temp, node.Left, lefts);
                    if (node.Operator == "exists")
                    {
                        if (lefts.Count > 0)
                        {
                            output.Add(JpValue.Of(item));
                        }

                        continue;
                    }

                    if (error is not null)
                    {
                        Fail(input, output, string.Empty, 0);
                        return error;
                    }

                    if (lefts.Count == 0)
                    {
                        continue;
                    }

                    if (lefts.Count > 1)
                    {
                        return Fail(input, output, "can only compare one element at a time", node.Position);
                    }

                    error = EvalList(temp, node.Right, rights);
                    if (error is not null)
                    {
                        Fail(input, output, string.Empty, 0);
                        return error;
                    }

                    if (rights.Count == 0)
                    {
                        continue;
                    }

                    if (rights.Count > 1)
                    {
                        return Fail(input, output, "can only compare one element at a time", node.Position);
                    }

                    string? failure = Compare(node.Operator, lefts[0], rights[0], out bool pass);
                    if (failure is not null)
                    {
                        return new EvalError(failure, node.Position);
                    }

                    if (pass)
                    {
                        output.Add(JpValue.Of(item));
                    }
                }
                finally
                {
                    ReturnList(temp);
                    ReturnList(lefts);
                    ReturnList(rights);
                }
            }
        }

        return null;
    }

    private static string Describe(in JpValue value) => value.Kind switch
    {
        JpKind.Element when value.Element.ValueKind is JsonValueKind.Null => "<nil>",
        JpKind.Element when value.Element.ValueKind is JsonValueKind.Object => "map[...]",
        JpKind.Element => value.Element.GetRawText(),
        JpKind.Invalid => "<invalid reflect.Value>",
        _ => value.GoTypeName,
    };

    private EvalError? EvalUnion(List<JpValue> input, UnionNode node, List<JpValue> output)
    {
        foreach (var member in node.Members)
        {
            var temp = RentList();
            try
            {
                var error = EvalList(input, member, temp);
                if (error is not null)
                {
                    Fail(input, output, string.Empty, 0);
                    return error;
                }

                output.AddRange(temp);
            }
            finally
            {
                ReturnList(temp);
            }
        }

        return null;
    }

    private EvalError? EvalIdentifier(List<JpValue> input, IdentifierNode node, List<JpValue> output)
    {
        switch (node.Name)
        {
            case "range":
                _beginRange++;
                output.AddRange(input);
                return null;
            case "end":
                if (_inRange > 0)
                {
                    _endRange++;
                    return null;
                }

                return new EvalError("not in range, nothing to end", node.Position);
            default:
                output.AddRange(input);
                return new EvalError($"unrecognized identifier {node.Name}", node.Position);
        }
    }

    /// <summary>What <c>*</c> yields: map values, array items, or the bytes of a string.</summary>
    private static void AddChildren(in JpValue value, List<JpValue> output)
    {
        if (value.Kind == JpKind.Text)
        {
            foreach (byte b in value.Text!)
            {
                output.Add(JpValue.OfByte(b));
            }

            return;
        }

        if (value.Kind != JpKind.Element)
        {
            return;
        }

        var element = value.Element;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    output.Add(JpValue.Of(property.Value));
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    output.Add(JpValue.Of(item));
                }

                break;
            case JsonValueKind.String:
                foreach (byte b in Elements.GetUtf8(element))
                {
                    output.Add(JpValue.OfByte(b));
                }

                break;
        }
    }

    /// <summary>What <c>..</c> yields: every non-empty map, array and string, in pre-order.</summary>
    private static void AddRecursive(in JpValue value, List<JpValue> output, int depth)
    {
        JsonPathLimits.CheckDepth(depth);
        if (value.Kind == JpKind.Text)
        {
            if (value.Text!.Length > 0)
            {
                output.Add(value);
            }

            return;
        }

        if (value.Kind != JpKind.Element)
        {
            return;
        }

        var element = value.Element;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
            {
                var properties = element.EnumerateObject();
                if (!properties.MoveNext())
                {
                    return;
                }

                output.Add(value);
                foreach (var property in element.EnumerateObject())
                {
                    AddRecursive(JpValue.Of(property.Value), output, depth + 1);
                }

                break;
            }

            case JsonValueKind.Array:
                if (element.GetArrayLength() == 0)
                {
                    return;
                }

                output.Add(value);
                foreach (var item in element.EnumerateArray())
                {
                    AddRecursive(JpValue.Of(item), output, depth + 1);
                }

                break;
            case JsonValueKind.String:
                if (!Elements.IsEmptyString(element))
                {
                    output.Add(value);
                }

                break;
        }
    }

    private enum GoKind
    {
        Bad,
        Bool,
        Int,
        Uint,
        Float,
        String,
    }

    private static GoKind KindOf(in JpValue value) => value.Kind switch
    {
        JpKind.Element => value.Element.ValueKind switch
        {
            JsonValueKind.String => GoKind.String,
            JsonValueKind.Number => value.Element.TryGetInt64(out _) ? GoKind.Int : GoKind.Float,
            JsonValueKind.True or JsonValueKind.False => GoKind.Bool,
            _ => GoKind.Bad,
        },
        JpKind.Text => GoKind.String,
        JpKind.Int => GoKind.Int,
        JpKind.Float => GoKind.Float,
        JpKind.Bool => GoKind.Bool,
        JpKind.Byte => GoKind.Uint,
        _ => GoKind.Bad,
    };

    private static long IntOf(in JpValue v) => v.Kind == JpKind.Element ? v.Element.GetInt64() : v.Integer;

    private static double FloatOf(in JpValue v) => v.Kind == JpKind.Element ? v.Element.GetDouble() : v.Number;

    private static bool BoolOf(in JpValue v) => v.Kind == JpKind.Element ? v.Element.ValueKind == JsonValueKind.True : v.Integer != 0;

    private static byte[] BytesOf(in JpValue v) => v.Kind == JpKind.Element ? Elements.GetUtf8(v.Element) : v.Text!;

    private const string BadType = "invalid type for comparison";
    private const string Incompatible = "incompatible types for comparison";

    /// <summary>Go text/template's eq/ne/lt/le/gt/ge as client-go's fork defines them.</summary>
    private static string? Compare(string op, in JpValue left, in JpValue right, out bool pass)
    {
        pass = false;
        string? error;
        switch (op)
        {
            case "<":
                error = Less(left, right, out pass);
                return error;
            case ">":
                error = Less(left, right, out bool lt);
                if (error is not null)
                {
                    return error;
                }

                if (lt)
                {
                    pass = false;
                    return null;
                }

                error = Equal(left, right, out bool eq);
                pass = error is null && !eq;
                return error;
            case "==":
                return Equal(left, right, out pass);
            case "!=":
                error = Equal(left, right, out bool equal);
                pass = !equal;
                return error;
            case "<=":
                error = Less(left, right, out pass);
                if (error is not null || pass)
                {
                    return error;
                }

                return Equal(left, right, out pass);
            case ">=":
                error = Less(left, right, out bool less);
                pass = error is null && !less;
                return error;
            default:
                return $"unrecognized filter operator {op}";
        }
    }

    private static string? Equal(in JpValue a, in JpValue b, out bool truth)
    {
        truth = false;
        var k1 = KindOf(a);
        if (k1 == GoKind.Bad)
        {
            return BadType;
        }

        var k2 = KindOf(b);
        if (k2 == GoKind.Bad)
        {
            return BadType;
        }

        if (k1 != k2)
        {
            if (k1 == GoKind.Int && k2 == GoKind.Uint)
            {
                truth = IntOf(a) >= 0 && IntOf(a) == IntOf(b);
                return null;
            }

            if (k1 == GoKind.Uint && k2 == GoKind.Int)
            {
                truth = IntOf(b) >= 0 && IntOf(a) == IntOf(b);
                return null;
            }

            return Incompatible;
        }

        truth = k1 switch
        {
            GoKind.Bool => BoolOf(a) == BoolOf(b),
            GoKind.Float => FloatOf(a) == FloatOf(b),
            GoKind.Int or GoKind.Uint => IntOf(a) == IntOf(b),
            _ => StringEquals(a, b),
        };
        return null;
    }

    private static bool StringEquals(in JpValue a, in JpValue b)
    {
        if (a.Kind == JpKind.Element && b.Kind == JpKind.Text)
        {
            return a.Element.ValueEquals(b.Text);
        }

        if (a.Kind == JpKind.Text && b.Kind == JpKind.Element)
        {
            return b.Element.ValueEquals(a.Text);
        }

        return BytesOf(a).AsSpan().SequenceEqual(BytesOf(b));
    }

    private static string? Less(in JpValue a, in JpValue b, out bool truth)
    {
        truth = false;
        var k1 = KindOf(a);
        if (k1 == GoKind.Bad)
        {
            return BadType;
        }

        var k2 = KindOf(b);
        if (k2 == GoKind.Bad)
        {
            return BadType;
        }

        if (k1 != k2)
        {
            if (k1 == GoKind.Int && k2 == GoKind.Uint)
            {
                truth = IntOf(a) < 0 || IntOf(a) < IntOf(b);
                return null;
            }

            if (k1 == GoKind.Uint && k2 == GoKind.Int)
            {
                truth = IntOf(b) >= 0 && IntOf(a) < IntOf(b);
                return null;
            }

            return Incompatible;
        }

        switch (k1)
        {
            case GoKind.Bool:
                return BadType;
            case GoKind.Float:
                truth = FloatOf(a) < FloatOf(b);
                return null;
            case GoKind.Int or GoKind.Uint:
                truth = IntOf(a) < IntOf(b);
                return null;
            default:
                truth = BytesOf(a).AsSpan().SequenceCompareTo(BytesOf(b)) < 0;
                return null;
        }
    }
}
