using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using Kube.Access.Manifests;

namespace Kube.Access.Deploy;

/// <summary>Writes one wizard object as YAML that kubectl and <see cref="ManifestParser"/> read back unchanged.</summary>
internal static partial class WizardYaml
{
    // A UTF-16 surrogate pair as System.Text.Json escapes it, not preceded by an escaped backslash.
    [GeneratedRegex(@"(?<=(?:^|[^\\])(?:\\\\)*)\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SurrogatePair();

    public static string Write(object obj)
    {
        var yaml = KubernetesYaml.Serialize(obj);
        var json = JsonNode.Parse(KubernetesJson.Serialize(obj));
        try
        {
            var back = ManifestParser.Parse(yaml, "wizard").Single().Object;
            if (JsonNode.DeepEquals(back, json)) return yaml;
        }
        catch (ManifestException)
        {
        }
        catch (InvalidOperationException)
        {
            // Single(): the object did not read back as one document.
        }
        // JSON is a YAML flow document; System.Text.Json escapes every control and non-ASCII character as \uXXXX,
        // which YAML reads too, except surrogate pairs (go-yaml refuses a surrogate escape): those are written as is.
        // The comment keeps readers that sniff a stream's first character (kubectl's, ours) on YAML, so the
        // documents after this one are still read.
        return "# written as JSON: the YAML emitter could not represent a value faithfully\n" + SurrogatePair().Replace(json!.ToJsonString(), m =>
            new string([(char)Convert.ToInt32(m.Groups[1].Value, 16), (char)Convert.ToInt32(m.Groups[2].Value, 16)]));
    }
}
