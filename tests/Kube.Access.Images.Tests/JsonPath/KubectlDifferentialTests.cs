using System.Text;
using System.Text.Json;
using FluentAssertions;

namespace Kube.Access.Images.Tests.JsonPath;

/// <summary>Every corpus template gives kubectl's output (or fails where kubectl fails).</summary>
public sealed class KubectlDifferentialTests(KubectlCorpusFixture fixture) : IClassFixture<KubectlCorpusFixture>
{
    public static IEnumerable<object[]> Cases() => Corpus.All.Select(c => new object[] { c.Document, c.Template, c.Unordered });

    [Fact]
    public void Corpus_has_at_least_200_templates_including_error_cases()
    {
        Corpus.All.Count.Should().BeGreaterThanOrEqualTo(200);
        fixture.Results.Values.Count(r => r.ExitCode != 0).Should().BeGreaterThanOrEqualTo(30, "the corpus exercises kubectl's failures too");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Same_output_as_kubectl(string document, string template, bool unordered)
    {
        var expected = fixture.Results[(document, template)];
        string? ours = null;
        JsonPathException? failure = null;
        try
        {
            var compiled = JsonPathTemplate.Parse(template);
            var sb = new StringBuilder();
            foreach (var obj in KubectlCorpusFixture.LabelledObjects(document))
            {
                using var doc = JsonDocument.Parse(obj.ToJsonString());
                sb.Append(compiled.Evaluate(doc.RootElement));
            }

            ours = sb.ToString();
        }
        catch (JsonPathException e)
        {
            failure = e;
        }

        if (expected.ExitCode != 0)
        {
            failure.Should().NotBeNull($"kubectl failed with: {expected.StdErr}; we printed [{ours}]");
            return;
        }

        failure.Should().BeNull($"kubectl printed [{expected.StdOut}]");
        if (unordered)
        {
            Tokens(ours!).Should().Equal(Tokens(expected.StdOut));
        }
        else
        {
            ours.Should().Be(expected.StdOut);
        }
    }

    private static List<string> Tokens(string s) =>
        s.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
}
