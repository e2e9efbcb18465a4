using System.Text;

namespace Kube.Access.Testing.Streaming;

/// <summary>A word of the mini shell: literal pieces and variable references, expanded when run.</summary>
internal sealed record ShellWord(IReadOnlyList<(string Text, bool IsVariable)> Parts)
{
    public string Expand(Func<string, string> variable)
    {
        var sb = new StringBuilder();
        foreach (var (text, isVariable) in Parts)
        {
            sb.Append(isVariable ? variable(text) : text);
        }

        return sb.ToString();
    }
}

/// <summary>A simple command with its redirections.</summary>
internal sealed record ShellCommand(
    IReadOnlyList<ShellWord> Words,
    ShellWord? StdoutFile,
    bool Append,
    ShellWord? StdinFile,
    ShellWord? StderrFile,
    bool StderrToStdout,
    bool StdoutToStderr = false);

/// <summary>Commands joined by <c>|</c>.</summary>
internal sealed record ShellPipeline(IReadOnlyList<ShellCommand> Commands);

/// <summary>Pipelines joined by <c>;</c>, newlines, <c>&amp;&amp;</c> and <c>||</c> (the operator before each).</summary>
internal sealed record ShellScript(IReadOnlyList<(string Operator, ShellPipeline Pipeline)> Steps);

/// <summary>A syntax error, reported as dash does (<c>sh: 1: Syntax error: ...</c>).</summary>
internal sealed class ShellSyntaxException(string message) : Exception(message);

/// <summary>Parses the small shell language: quotes, <c>$VAR</c>, <c>${VAR}</c>, <c>$?</c>, <c>;</c>, <c>&amp;&amp;</c>, <c>||</c>, <c>|</c>, <c>&gt;</c>, <c>&gt;&gt;</c>, <c>&lt;</c>, <c>2&gt;</c>, <c>2&gt;&amp;1</c>, <c>&gt;&amp;2</c>, comments.</summary>
internal static class ShellParser
{
    private enum Kind { Word, Op }

    private readonly record struct Token(Kind Kind, string Op, ShellWord? Word);

    public static ShellScript Parse(string script)
    {
        var tokens = Lex(script);
        var steps = new List<(string, ShellPipeline)>();
        var commands = new List<ShellCommand>();
        var words = new List<ShellWord>();
        ShellWord? stdout = null, stdin = null, stderr = null;
        bool append = false, stderrToStdout = false, stdoutToStderr = false;
        var pendingOp = ";";

        void EndCommand(bool required)
        {
            if (words.Count == 0)
            {
                if (required || stdout is not null || stdin is not null)
                {
                    throw new ShellSyntaxException("Syntax error: unexpected operator");
                }

                return;
            }

            commands.Add(new ShellCommand(words.ToArray(), stdout, append, stdin, stderr, stderrToStdout, stdoutToStderr));
            words.Clear();
            stdout = stdin = stderr = null;
            append = stderrToStdout = stdoutToStderr = false;
        }

        void EndPipeline(string nextOp)
        {
            if (commands.Count == 0 && words.Count == 0)
            {
                if (nextOp is "&&" or "||")
                {
                    throw new ShellSyntaxException($"Syntax error: \"{nextOp}\" unexpected");
                }

                return;
            }

            EndCommand(required: commands.Count > 0);
            steps.Add((pendingOp, new ShellPipeline(commands.ToArray())));
            commands.Clear();
            pendingOp = nextOp;
        }

        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Kind == Kind.Word)
            {
                words.Add(token.Word!);
                continue;
            }

            switch (token.Op)
            {
                case ";":
                case "\n":
                    EndPipeline(";");
                    break;
                case "&&":
                case "||":
                    EndPipeline(token.Op);
                    break;
                case "|":
                    EndCommand(required: true);
                    break;
                case "2>&1":
                    stderrToStdout = true;
                    break;
                case ">&2":
                    stdoutToStderr = true;
                    break;
                case ":":
                    break;
                case ">":
                case ">>":
                case "<":
                case "2>":
                    if (i + 1 >= tokens.Count || tokens[i + 1].Kind != Kind.Word)
                    {
                        throw new ShellSyntaxException("Syntax error: newline unexpected");
                    }

                    var target = tokens[++i].Word!;
                    if (token.Op == "<")
                    {
                        stdin = target;
                    }
                    else if (token.Op == "2>")
                    {
                        stderr = target;
                    }
                    else
                    {
                        stdout = target;
                        append = token.Op == ">>";
                    }

                    break;
                default:
                    throw new ShellSyntaxException($"Syntax error: \"{token.Op}\" unexpected");
            }
        }

        if (pendingOp is "&&" or "||" && words.Count == 0 && commands.Count == 0 && steps.Count > 0)
        {
            throw new ShellSyntaxException("Syntax error: end of file unexpected");
        }

        EndPipeline(";");
        return new ShellScript(steps);
    }

    private static List<Token> Lex(string s)
    {
        var tokens = new List<Token>();
        var parts = new List<(string, bool)>();
        var literal = new StringBuilder();
        var inWord = false;

        void FlushLiteral()
        {
            if (literal.Length > 0)
            {
                parts.Add((literal.ToString(), false));
                literal.Clear();
            }
        }

        void EndWord()
        {
            FlushLiteral();
            if (inWord)
            {
                tokens.Add(new Token(Kind.Word, string.Empty, new ShellWord(parts.ToArray())));
            }

            parts.Clear();
            inWord = false;
        }

        int ReadVariable(int i)
        {
            // s[i] == '$'
            FlushLiteral();
            if (i + 1 < s.Length && s[i + 1] == '{')
            {
                var close = s.IndexOf('}', i + 2);
                if (close < 0)
                {
                    throw new ShellSyntaxException("Syntax error: Missing '}'");
                }

                parts.Add((s[(i + 2)..close], true));
                return close;
            }

            if (i + 1 < s.Length && (s[i + 1] == '?' || s[i + 1] == '$' || char.IsDigit(s[i + 1])))
            {
                parts.Add((s[i + 1].ToString(), true));
                return i + 1;
            }

            var j = i + 1;
            while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] == '_'))
            {
                j++;
            }

            if (j == i + 1)
            {
                literal.Append('$');
                return i;
            }

            parts.Add((s[(i + 1)..j], true));
            return j - 1;
        }

        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case ' ' or '\t' or '\r':
                    EndWord();
                    break;
                case '\n' or ';':
                    EndWord();
                    tokens.Add(new Token(Kind.Op, c == '\n' ? "\n" : ";", null));
                    break;
                case '#' when !inWord:
                    while (i + 1 < s.Length && s[i + 1] != '\n')
                    {
                        i++;
                    }

                    break;
                case '&':
                    EndWord();
                    if (i + 1 < s.Length && s[i + 1] == '&')
                    {
                        tokens.Add(new Token(Kind.Op, "&&", null));
                        i++;
                    }
                    else
                    {
                        // Background jobs are run in the foreground.
                        tokens.Add(new Token(Kind.Op, ";", null));
                    }

                    break;
                case '|':
                    EndWord();
                    if (i + 1 < s.Length && s[i + 1] == '|')
                    {
                        tokens.Add(new Token(Kind.Op, "||", null));
                        i++;
                    }
                    else
                    {
                        tokens.Add(new Token(Kind.Op, "|", null));
                    }

                    break;
                case '>':
                    var fd = inWord && parts.Count == 0 && literal.ToString() is "1" or "2" ? literal.ToString() : null;
                    if (fd is not null)
                    {
                        literal.Clear();
                        inWord = false;
                        parts.Clear();
                    }
                    else
                    {
                        EndWord();
                    }

                    if (s.AsSpan(i).StartsWith(">&1") || s.AsSpan(i).StartsWith(">&2"))
                    {
                        var to = s[i + 2];
                        tokens.Add(new Token(Kind.Op, (fd ?? "1") == "2" ? (to == '1' ? "2>&1" : ":") : (to == '2' ? ">&2" : ":"), null));
                        i += 2;
                    }
                    else if (i + 1 < s.Length && s[i + 1] == '>')
                    {
                        tokens.Add(new Token(Kind.Op, fd == "2" ? "2>" : ">>", null));
                        i++;
                    }
                    else
                    {
                        tokens.Add(new Token(Kind.Op, fd == "2" ? "2>" : ">", null));
                    }

                    break;
                case '<':
                    EndWord();
                    tokens.Add(new Token(Kind.Op, "<", null));
                    break;
                case '\'':
                    inWord = true;
                    var end = s.IndexOf('\'', i + 1);
                    if (end < 0)
                    {
                        throw new ShellSyntaxException("Syntax error: Unterminated quoted string");
                    }

                    literal.Append(s, i + 1, end - i - 1);
                    i = end;
                    break;
                case '"':
                    inWord = true;
                    i++;
                    while (true)
                    {
                        if (i >= s.Length)
                        {
                            throw new ShellSyntaxException("Syntax error: Unterminated quoted string");
                        }

                        if (s[i] == '"')
                        {
                            break;
                        }

                        if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] is '"' or '\\' or '$' or '`')
                        {
                            literal.Append(s[i + 1]);
                            i += 2;
                            continue;
                        }

                        if (s[i] == '$')
                        {
                            i = ReadVariable(i) + 1;
                            continue;
                        }

                        literal.Append(s[i]);
                        i++;
                    }

                    break;
                case '\\':
                    inWord = true;
                    if (i + 1 < s.Length)
                    {
                        if (s[i + 1] != '\n')
                        {
                            literal.Append(s[i + 1]);
                        }

                        i++;
                    }

                    break;
                case '$':
                    inWord = true;
                    i = ReadVariable(i);
                    break;
                default:
                    inWord = true;
                    literal.Append(c);
                    break;
            }
        }

        EndWord();
        return tokens;
    }
}
