namespace Kube.Access.Manifests;

/// <summary>Which of the manifest reader's limits a document broke.</summary>
public enum ManifestLimit
{
    /// <summary>Sequences and mappings (arrays and objects) nested deeper than <see cref="ManifestParser.MaxDepth"/>.</summary>
    Depth,

    /// <summary>More than <see cref="ManifestParser.MaxNodes"/> values read from one source, aliases expanded.</summary>
    Nodes,

    /// <summary>
    /// YAML aliases (and merge keys) expanding to too large a share of a document: go-yaml's "excessive aliasing" rule,
    /// which kubectl applies (at most 99% of the nodes of a document may come from aliases up to 400,000 nodes, falling
    /// to 10% at 4,000,000).
    /// </summary>
    Aliasing,

    /// <summary>A source larger than the byte limit (<see cref="ManifestApplierOptions.MaxManifestBytes"/>).</summary>
    Size,
}

/// <summary>A manifest broke one of the reader's limits (nesting depth, node count, alias expansion, size).</summary>
public sealed class ManifestLimitException : ManifestException
{
    /// <summary>Creates the exception.</summary>
    public ManifestLimitException(string message, string source, int? line, ManifestLimit limit, long limitValue, int? documentIndex = null)
        : base(message, source, line, null, documentIndex)
    {
        Limit = limit;
        LimitValue = limitValue;
    }

    /// <summary>The limit that was exceeded.</summary>
    public ManifestLimit Limit { get; }

    /// <summary>The limit's value (levels, nodes, percent of aliased nodes, or bytes).</summary>
    public long LimitValue { get; }
}

/// <summary>
/// go-yaml's alias budget (decode.go <c>allowedAliasRatio</c>), which kubectl applies to every YAML document: counts
/// every node a decoder builds and those built by expanding an alias, and refuses the document once aliases make up
/// too large a share. Checked before an alias is expanded, so a bomb costs nothing.
/// </summary>
internal struct AliasBudget
{
    private const long RangeLow = 400_000;
    private const long RangeHigh = 4_000_000;

    /// <summary>Every node built (aliases' expansions included), as go-yaml's <c>decodeCount</c>.</summary>
    public long Decoded;

    /// <summary>The nodes built by expanding aliases, as go-yaml's <c>aliasCount</c>.</summary>
    public long Aliased;

    /// <summary>The share of a document of <paramref name="decoded"/> nodes that may come from aliases.</summary>
    public static double AllowedRatio(long decoded) => decoded switch
    {
        <= RangeLow => 0.99,
        >= RangeHigh => 0.10,
        _ => 0.99 - (0.89 * ((decoded - RangeLow) / (double)(RangeHigh - RangeLow))),
    };

    /// <summary>Whether expanding an alias of <paramref name="cost"/> nodes keeps the document within go-yaml's rule.</summary>
    public readonly bool Allows(long cost)
    {
        var decoded = Decoded + cost;
        var aliased = Aliased + cost;
        return !(aliased > 100 && decoded > 1000 && aliased / (double)decoded > AllowedRatio(decoded));
    }
}
