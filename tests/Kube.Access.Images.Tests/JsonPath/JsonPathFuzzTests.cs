using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Kube.Access.Images.Tests.JsonPath;

/// <summary>No template, however malformed, raises anything but <see cref="JsonPathException"/>.</summary>
public sealed class JsonPathFuzzTests
{
    private static readonly JsonDocument Pod = JsonDocument.Parse(Documents.Pod);

    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", "(", ")", "?(", "[?(", "@", "$", ".", "..", "*", ",", ":", "-", "+", "'", "\"", "\\", " ", "\t", "\n",
        "==", "!=", "<", ">", "<=", ">=", "=", "!", "range", "end", "true", "false", "0", "1", "-1", "2", "1.5", "99999999999999999999",
        "metadata", "name", "spec", "containers", "image", "ports", "labels", "status", "x", "é", "😀", "\\u00e9", "\\x41", "\\n",
    ];

    private static Arbitrary<string> Templates()
    {
        var fragment = Gen.Elements(Fragments);
        var structured = fragment.ArrayOf().Select(parts => string.Concat(parts));
        var noise = ArbMap.Default.GeneratorFor<string>().Select(s => s ?? string.Empty);
        return Gen.Frequency((4, structured), (1, noise)).ToArbitrary();
    }

    [Property(MaxTest = 3000)]
    public Property Parse_and_evaluate_raise_only_typed_errors()
    {
        return Prop.ForAll(Templates(), text =>
        {
            try
            {
                var template = JsonPathTemplate.Parse(text);
                template.Evaluate(Pod.RootElement);
            }
            catch (JsonPathException e)
            {
                return e.Position >= 0 && e.Position <= text.Length && e.Template == text;
            }

            return true;
        });
    }
}
