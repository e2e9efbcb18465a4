using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Kube.Access.Deploy;

/// <summary>
/// A container image reference split by the distribution grammar
/// (<c>[domain[:port]/]path[:tag][@algorithm:hex]</c>), the grammar the dashboard's wizard checks the image against.
/// </summary>
/// <param name="Repository">Everything before the tag and digest (domain and path).</param>
/// <param name="Tag">The tag, when one is given.</param>
/// <param name="Digest">The digest (<c>sha256:...</c>), when one is given.</param>
public sealed partial record ImageReference(string Repository, string? Tag, string? Digest)
{
    /// <summary>The longest repository name the grammar allows.</summary>
    public const int MaxRepositoryLength = 255;

    private const string Alnum = "[a-z0-9]+";
    private const string Separator = "(?:[._]|__|-+)";
    private const string PathComponent = Alnum + "(?:" + Separator + Alnum + ")*";
    private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string Host = "(?:" + DomainComponent + "(?:\\." + DomainComponent + ")*|\\[[a-fA-F0-9:]+\\])";
    private const string Domain = Host + "(?::[0-9]+)?";
    private const string Name = "(?:" + Domain + "/)?" + PathComponent + "(?:/" + PathComponent + ")*";
    private const string TagPattern = "[\\w][\\w.-]{0,127}";
    private const string DigestPattern = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

    [GeneratedRegex("^(?<name>" + Name + ")(?::(?<tag>" + TagPattern + "))?(?:@(?<digest>" + DigestPattern + "))?$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex ReferenceRegex();

    /// <summary>Parses <paramref name="value"/>; on failure <paramref name="error"/> says why, in the grammar's words.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out ImageReference? reference, [NotNullWhen(false)] out string? error)
    {
        reference = null;
        if (string.IsNullOrEmpty(value))
        {
            error = "repository name must have at least one component";
            return false;
        }
        var match = ReferenceRegex().Match(value);
        if (!match.Success)
        {
            var lower = value.ToLowerInvariant();
            error = lower != value && ReferenceRegex().IsMatch(lower)
                ? "repository name must be lowercase"
                : "invalid reference format";
            if (value.EndsWith(':')) error = "invalid reference format: the reference must not end with ':'";
            return false;
        }
        var name = match.Groups["name"].Value;
        if (name.Length > MaxRepositoryLength)
        {
            error = $"repository name must not be more than {MaxRepositoryLength} characters";
            return false;
        }
        reference = new ImageReference(
            name,
            match.Groups["tag"].Success ? match.Groups["tag"].Value : null,
            match.Groups["digest"].Success ? match.Groups["digest"].Value : null);
        error = null;
        return true;
    }

    /// <inheritdoc />
    public override string ToString() =>
        Repository + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);
}
