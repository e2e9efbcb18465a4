using System.Text.Json;
using FluentAssertions;
using Kube.Access.Cli.Tour;
using Xunit;

namespace Kube.Access.Tour.Tests;

public sealed class ClusterAccessChapterTests
{
    [Fact]
    public async Task The_chapter_reproduces_the_guides_rest_example_with_the_ca_and_insecure_and_shows_the_refusal()
    {
        using var output = new StringWriter();
        var exit = await ClusterAccessChapter.RunAsync(output, CancellationToken.None);
        var text = output.ToString();
        exit.Should().Be(0, text);

        // Two APIVersions documents (with the CA, and --insecure), each parsed as the guide shows it.
        var documents = ExtractJsonObjects(text);
        documents.Should().HaveCount(2);
        foreach (var doc in documents)
        {
            doc.RootElement.GetProperty("kind").GetString().Should().Be("APIVersions");
            doc.RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetString()).Should().Contain("v1");
            doc.RootElement.GetProperty("serverAddressByClientCIDRs").EnumerateArray().Should().NotBeEmpty();
        }

        text.Should().Contain("--insecure").And.Contain("error:").And.Contain("TLS");
    }

    private static List<JsonDocument> ExtractJsonObjects(string text)
    {
        var result = new List<JsonDocument>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimEnd() != "{")
            {
                continue;
            }

            var end = Array.FindIndex(lines, i, l => l.TrimEnd() == "}");
            result.Add(JsonDocument.Parse(string.Join('\n', lines[i..(end + 1)])));
            i = end;
        }

        return result;
    }
}
