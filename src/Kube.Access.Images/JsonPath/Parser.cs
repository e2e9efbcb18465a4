using System.Globalization;
using System.Text;

namespace Kube.Access.Images.JsonPathInternals;

/// <summary>
/// Parses kubectl's JSONPath dialect with the same grammar as k8s.io/client-go/util/jsonpath: text with
/// <c>{...}</c> actions; inside an action fields, quoted keys, escaped dots, <c>*</c>, <c>..</c>, indexes,
/// slices, unions, filters, quoted strings, numbers, booleans and the <c>range</c>/<c>end</c> keywords.
/// Written iteratively (no recursion per token) so that no template can exhaust the stack.
/// </summary>
internal sealed class Parser
{
    private const int Eof = -1;
    private readonly string _input;
    private readonly string _template;
    private readonly int _offset;
    private readonly int _depth;
    private int _pos;
    private int _start;
    private int _width;

    private Parser(string input, string template, int offset, int depth)
    {
        _input = input;
        _template = template;
        _offset = offset;
        _depth = depth;
    }

    /// <summary>Parses a whole template into its top-level list (text nodes and one list per action).</summary>
    public static ListNode Parse(string template)
    {
        var root = new Parser(template, template, 0, 0).ParseRoot();
        root.Seal();
        return root;
    }

    private ListNode ParseRoot()
    {
        var root = new ListNode(_offset);
        while (true)
        {
            // Text mode: everything up to the next left delimiter.
            int brace = _input.IndexOf('{', _pos);
            if (brace < 0)
            {
                _pos = _input.Length;
                if (_pos > _start)
                {
                    root.Append(new TextNode(At(_start), Encoding.UTF8.GetBytes(ConsumeText())));
                }

                return root;
            }

            _pos = brace;
            if (_pos > _start)
            {
                root.Append(new TextNode(At(_start), Encoding.UTF8.GetBytes(ConsumeText())));
            }

            _pos += 1;
            ConsumeText();
            var action = new ListNode(At(brace));
            root.Append(action);
            ParseInsideAction(action);
        }
    }

    private void ParseInsideAction(ListNode cur)
    {
        while (true)
        {
            if (HasPrefix("}"))
            {
                _pos += 1;
                ConsumeText();
                return;
            }

            if (HasPrefix("[?("))
            {
                ParseFilter(cur);
                continue;
            }

            if (HasPrefix(".."))
            {
                ParseRecursive(cur);
                continue;
            }

            int at = _pos;
            int r = Next();
            switch (r)
            {
                case Eof or '\r' or '\n':
                    throw Error("unclosed action", at);
                case ' ':
                case '@' or '$':
                    ConsumeText();
                    continue;
                case '[':
                    ParseArray(cur, at);
                    continue;
                case '"' or '\'':
                    ParseQuote(cur, r, at);
                    continue;
                case '.':
                    ParseField(cur);
                    continue;
            }

            if (r == '+' || r == '-' || Rune.IsDigit(new Rune(r)))
            {
                Backup();
                ParseNumber(cur);
                continue;
            }

            if (IsAlphaNumeric(r))
            {
                Backup();
                ParseIdentifier(cur);
                continue;
            }

            throw Error(FormattableString.Invariant($"unrecognized character in action: U+{r:X4} '{char.ConvertFromUtf32(r)}'"), at);
        }
    }

    private void ParseIdentifier(ListNode cur)
    {
        int at = _pos;
        while (true)
        {
            int r = Next();
            if (IsTerminator(r))
            {
                Backup();
                break;
            }
        }

        string value = ConsumeText();
        if (value is "true" or "false")
        {
            cur.Append(new BoolNode(At(at), value == "true"));
        }
        else
        {
            cur.Append(new IdentifierNode(At(at), value));
        }
    }

    private void ParseRecursive(ListNode cur)
    {
        int at = _pos;
        if (cur.Last is RecursiveNode)
        {
            throw Error("invalid multiple recursive descent", at);
        }

        _pos += 2;
        ConsumeText();
        cur.Append(new RecursiveNode(At(at)));
        if (IsAlphaNumeric(Peek()))
        {
            ParseField(cur);
        }
    }

    private void ParseNumber(ListNode cur)
    {
        int at = _pos;
        int r = Peek();
        if (r == '+' || r == '-')
        {
            Next();
        }

        while (true)
        {
            r = Next();
            if (r != '.' && (r == Eof || !Rune.IsDigit(new Rune(r))))
            {
                Backup();
                break;
            }
        }

        string value = ConsumeText();
        if (GoNumbers.TryParseInt(value, out long i))
        {
            cur.Append(new IntNode(At(at), i));
            return;
        }

        if (GoNumbers.TryParseFloat(value, out double d))
        {
            cur.Append(new FloatNode(At(at), d));
            return;
        }

        throw Error($"cannot parse number {value}", at);
    }

    private void ParseArray(ListNode cur, int at)
    {
        while (true)
        {
            int r = Next();
            if (r == Eof || r == '\n')
            {
                throw Error("unterminated array", at);
            }

            if (r == ']')
            {
                break;
            }
        }

        string text = ConsumeText();
        text = text[1..^1];
        if (text == "*")
        {
            text = ":";
        }

        string[] parts = text.Split(',');
        if (parts.Length > 1)
        {
            var members = new ListNode[parts.Length];
            int partOffset = at + 1;
            for (int i = 0; i < parts.Length; i++)
            {
                members[i] = ParseAction("[" + parts[i].Trim(' ') + "]", partOffset - 1);
                partOffset += parts[i].Length + 1;
            }

            cur.Append(new UnionNode(At(at), members));
            return;
        }

        // A dict key: ['key'] is parsed as the action ".key".
        if (text.Length >= 2 && text[0] == '\'' && text[^1] == '\'' && text.IndexOf('\'', 1, text.Length - 2) < 0)
        {
            var keyList = ParseAction("." + text[1..^1], at + 1);
            foreach (var node in keyList.Pending)
            {
                cur.Append(node);
            }

            return;
        }

        if (!TryParseSlice(text, out var p0, out var p1, out var p2, out string? badNumber))
        {
            throw badNumber is null
                ? Error($"invalid array index {text}", at)
                : Error($"array index {badNumber} is not a number", at);
        }

        cur.Append(new ArrayNode(At(at), p0, p1, p2));
    }

    /// <summary>Matches <c>^(-?\d*)(:-?\d*)?(:-?\d*)?$</c> and builds the three parameters like client-go.</summary>
    private static bool TryParseSlice(string text, out SliceParam p0, out SliceParam p1, out SliceParam p2, out string? badNumber)
    {
        p0 = p1 = p2 = default;
        badNumber = null;
        var groups = new string[3] { string.Empty, string.Empty, string.Empty };
        int i = 0;
        int g = 0;
        while (g < 3)
        {
            int begin = i;
            if (g > 0)
            {
                if (i >= text.Length || text[i] != ':')
                {
                    break;
                }

                i++;
            }

            if (i < text.Length && text[i] == '-')
            {
                i++;
            }

            while (i < text.Length && text[i] >= '0' && text[i] <= '9')
            {
                i++;
            }

            groups[g] = text[begin..i];
            g++;
        }

        if (i != text.Length)
        {
            return false;
        }

        var result = new SliceParam[3];
        for (int k = 0; k < 3; k++)
        {
            string value = groups[k];
            if (value.Length != 0)
            {
                if (k > 0)
                {
                    value = value[1..];
                }

                if (k > 0 && value.Length == 0)
                {
                    result[k] = new SliceParam(0, false, false);
                }
                else
                {
                    if (!GoNumbers.TryParseInt(value, out long parsed))
                    {
                        badNumber = value;
                        return false;
                    }

                    result[k] = new SliceParam(parsed, true, false);
                }
            }
            else if (k == 1)
            {
                result[k] = new SliceParam(result[0].Value + 1, true, true);
            }
            else
            {
                result[k] = new SliceParam(0, false, false);
            }
        }

        p0 = result[0];
        p1 = result[1];
        p2 = result[2];
        return true;
    }

    private void ParseFilter(ListNode cur)
    {
        int at = _pos;
        _pos += 3;
        ConsumeText();
        bool begin = false;
        bool end = false;
        int pair = 0;
        while (true)
        {
            int r = Next();
            if (r == Eof || r == '\n')
            {
                throw Error("unterminated filter", at);
            }

            if (r == '"' || r == '\'')
            {
                if (!begin)
                {
                    begin = true;
                    pair = r;
                    continue;
                }

                if (_input[_pos - 2] != '\\' && r == pair)
                {
                    end = true;
                }
            }
            else if (r == ')' && begin == end)
            {
                break;
            }
        }

        if (Next() != ']')
        {
            throw Error("unclosed array expect ]", at);
        }

        string text = ConsumeText();
        text = text[..^2];
        int bodyOffset = at + 3;
        if (!TrySplitComparison(text, out int opStart, out int opEnd))
        {
            var exists = ParseAction(text, bodyOffset);
            cur.Append(new FilterNode(At(at), exists, new ListNode(At(at)), "exists"));
            return;
        }

        var left = ParseAction(text[..opStart], bodyOffset);
        var right = ParseAction(text[opEnd..], bodyOffset + opEnd);
        cur.Append(new FilterNode(At(at), left, right, text[opStart..opEnd]));
    }

    /// <summary>Matches <c>^([^!&lt;&gt;=]+)([!&lt;&gt;=]+)(.+?)$</c> the way Go's regexp does (with backtracking).</summary>
    private static bool TrySplitComparison(string text, out int opStart, out int opEnd)
    {
        opStart = opEnd = 0;
        int i = 0;
        while (i < text.Length && !IsOperatorChar(text[i]))
        {
            i++;
        }

        if (i == 0 || i == text.Length)
        {
            return false;
        }

        int j = i;
        while (j < text.Length && IsOperatorChar(text[j]))
        {
            j++;
        }

        if (j == text.Length)
        {
            // The right side needs one character: give back the last operator character if we can.
            if (j - i < 2)
            {
                return false;
            }

            j--;
        }

        opStart = i;
        opEnd = j;
        return true;
    }

    private static bool IsOperatorChar(char c) => c is '!' or '<' or '>' or '=';

    private void ParseQuote(ListNode cur, int quote, int at)
    {
        while (true)
        {
            int r = Next();
            if (r == Eof || r == '\n')
            {
                throw Error("unterminated quoted string", at);
            }

            if (r == quote && _input[_pos - 2] != '\\')
            {
                break;
            }
        }

        string value = ConsumeText();
        if (!GoStrings.TryUnquote(value, out byte[] bytes))
        {
            throw Error($"unquote string {value} error invalid syntax", at);
        }

        cur.Append(new TextNode(At(at), bytes));
    }

    private void ParseField(ListNode cur)
    {
        ConsumeText();
        int at = _pos;
        while (Advance())
        {
        }

        string value = ConsumeText();
        if (value == "*")
        {
            cur.Append(new WildcardNode(At(at)));
        }
        else
        {
            cur.Append(new FieldNode(At(at), value.Replace("\\", string.Empty, StringComparison.Ordinal)));
        }
    }

    private bool Advance()
    {
        int r = Next();
        if (r == '\\')
        {
            Next();
        }
        else if (IsTerminator(r))
        {
            Backup();
            return false;
        }

        return true;
    }

    /// <summary>Parses <paramref name="text"/> as the inside of one action (client-go's parseAction).</summary>
    private ListNode ParseAction(string text, int offset)
    {
        if (_depth > 64)
        {
            throw Error("template nested too deeply", offset);
        }

        var sub = new Parser("{" + text + "}", _template, _offset + offset - 1, _depth + 1);
        var root = sub.ParseRoot();
        return (ListNode)root.Pending[0];
    }

    private static bool IsTerminator(int r) => r switch
    {
        Eof or ' ' or '\t' or '\r' or '\n' or '.' or ',' or '[' or ']' or '$' or '@' or '{' or '}' => true,
        _ => false,
    };

    private static bool IsAlphaNumeric(int r) => r == '_' || (r >= 0 && (Rune.IsLetter(new Rune(r)) || Rune.IsDigit(new Rune(r))));

    private bool HasPrefix(string prefix) => _input.AsSpan(_pos).StartsWith(prefix, StringComparison.Ordinal);

    private string ConsumeText()
    {
        string value = _input[_start.._pos];
        _start = _pos;
        return value;
    }

    private int Next()
    {
        if (_pos >= _input.Length)
        {
            _width = 0;
            return Eof;
        }

        if (Rune.DecodeFromUtf16(_input.AsSpan(_pos), out Rune rune, out int consumed) != System.Buffers.OperationStatus.Done)
        {
            rune = Rune.ReplacementChar;
            consumed = 1;
        }

        _width = consumed;
        _pos += consumed;
        return rune.Value;
    }

    private int Peek()
    {
        int r = Next();
        Backup();
        return r;
    }

    private void Backup() => _pos -= _width;

    private int At(int localPosition) => Math.Max(0, _offset + localPosition);

    private JsonPathException Error(string message, int localPosition) =>
        new(message, _template, Math.Clamp(At(localPosition), 0, _template.Length), isParseError: true);
}
