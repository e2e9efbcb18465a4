namespace Kube.Access.Kubeconfig;

/// <summary>How a YAML scalar resolves, with the YAML 1.1 rules kubectl (go-yaml v2) applies.</summary>
public enum KubeconfigScalarKind
{
    /// <summary>A string.</summary>
    String,

    /// <summary><c>null</c>, <c>~</c> or an empty plain scalar.</summary>
    Null,

    /// <summary>A boolean (<c>true</c>, <c>yes</c>, <c>on</c>, <c>y</c>, ...).</summary>
    Bool,

    /// <summary>An integer.</summary>
    Int,

    /// <summary>A floating-point number.</summary>
    Float,
}

/// <summary>
/// A node of a kubeconfig document kept as written: used for extensions and for fields this
/// library does not know, so that they survive a load/edit/save round trip.
/// </summary>
public abstract record KubeconfigNode
{
    /// <summary>The 1-based line where the node starts, or 0 when it was not read from a file.</summary>
    public int Line { get; init; }

    /// <summary>The 1-based column where the node starts, or 0 when it was not read from a file.</summary>
    public int Column { get; init; }
}

/// <summary>A YAML mapping; keys keep their order.</summary>
/// <param name="Entries">The key/value pairs in document order.</param>
public sealed record KubeconfigMappingNode(IReadOnlyList<KeyValuePair<string, KubeconfigNode>> Entries) : KubeconfigNode
{
    /// <summary>The value of <paramref name="key"/>, or <c>null</c>.</summary>
    public KubeconfigNode? this[string key]
    {
        get
        {
            // Last one wins, as with go-yaml's map decoding.
            for (var i = Entries.Count - 1; i >= 0; i--)
            {
                if (string.Equals(Entries[i].Key, key, StringComparison.Ordinal))
                {
                    return Entries[i].Value;
                }
            }

            return null;
        }
    }
}

/// <summary>A YAML sequence.</summary>
/// <param name="Items">The items in order.</param>
public sealed record KubeconfigSequenceNode(IReadOnlyList<KubeconfigNode> Items) : KubeconfigNode;

/// <summary>A YAML scalar with its resolved kind.</summary>
/// <param name="Value">The scalar text.</param>
/// <param name="Kind">How the scalar resolves.</param>
public sealed record KubeconfigScalarNode(string Value, KubeconfigScalarKind Kind) : KubeconfigNode
{
    /// <summary>A string scalar.</summary>
    public static KubeconfigScalarNode String(string value) => new(value, KubeconfigScalarKind.String);

    /// <summary>The null scalar.</summary>
    public static KubeconfigScalarNode Null { get; } = new("null", KubeconfigScalarKind.Null);

    /// <summary>A boolean scalar.</summary>
    public static KubeconfigScalarNode Bool(bool value) => new(value ? "true" : "false", KubeconfigScalarKind.Bool);
}
