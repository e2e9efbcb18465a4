namespace Kube.Access.Deploy;

/// <summary>
/// The <c>$(VAR_NAME)</c> syntax Kubernetes expands in container env values, command and args:
/// <c>$$</c> is a literal dollar, <c>$(NAME)</c> is replaced by an earlier variable (left as written when unknown).
/// </summary>
public static class VariableReferences
{
    /// <summary>One <c>$(NAME)</c> reference found in a value.</summary>
    /// <param name="Name">The referenced name.</param>
    /// <param name="Offset">Where <c>$(</c> starts in the value.</param>
    public readonly record struct Reference(string Name, int Offset);

    /// <summary>The references in <paramref name="value"/>; <paramref name="unclosedAt"/> is where an unclosed <c>$(</c> starts, else -1.</summary>
    public static IReadOnlyList<Reference> Find(string? value, out int unclosedAt)
    {
        unclosedAt = -1;
        var found = new List<Reference>();
        if (string.IsNullOrEmpty(value)) return found;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '$' || i + 1 >= value.Length) continue;
            var next = value[i + 1];
            if (next == '$')
            {
                i++; // escaped dollar
                continue;
            }
            if (next != '(') continue;
            var close = value.IndexOf(')', i + 2);
            if (close < 0)
            {
                unclosedAt = i;
                break;
            }
            found.Add(new Reference(value.Substring(i + 2, close - i - 2), i));
            i = close;
        }
        return found;
    }

    /// <summary>
    /// Expands <paramref name="value"/> the way the kubelet does: references to names in <paramref name="variables"/> are
    /// replaced, <c>$$</c> becomes <c>$</c>, anything else stays as written.
    /// </summary>
    public static string Expand(string value, IReadOnlyDictionary<string, string> variables)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(variables);
        var sb = new System.Text.StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c != '$' || i + 1 >= value.Length)
            {
                sb.Append(c);
                continue;
            }
            var next = value[i + 1];
            if (next == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }
            if (next == '(')
            {
                var close = value.IndexOf(')', i + 2);
                if (close < 0)
                {
                    sb.Append(value, i, value.Length - i);
                    break;
                }
                var name = value.Substring(i + 2, close - i - 2);
                if (variables.TryGetValue(name, out var replacement)) sb.Append(replacement);
                else sb.Append(value, i, close - i + 1);
                i = close;
                continue;
            }
            sb.Append(c);
        }
        return sb.ToString();
    }
}
