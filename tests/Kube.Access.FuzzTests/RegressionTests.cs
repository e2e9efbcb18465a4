using Xunit;
using System.Text.Json.Nodes;
using FluentAssertions;
using Kube.Access.Deploy;
using Kube.Access.Images;
using Kube.Access.Manifests;
using Kube.Access.TestSupport;

namespace Kube.Access.FuzzTests;

/// <summary>The inputs of issue 19 that crashed or exhausted the process, and the limits measured against kubectl 1.32.</summary>
public sealed class RegressionTests
{
    private const string Head = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nextra: ";

    private static string NestedYaml(int levels) => Head + new string('[', levels) + new string(']', levels) + "\n";

    private static string NestedJson(int levels) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"deep\"},\n\"extra\":" + new string('[', levels) + new string(']', levels) + "}";

    [Fact]
    public void Twelve_kilobytes_of_nested_brackets_is_a_depth_error_naming_source_line_and_limit()
    {
        foreach (var text in new[] { new string('[', 12 * 1024), "extra:\n  " + new string('[', 12 * 1024) })
        {
            var ex = Bounded.Run(() => ManifestParser.Parse(text, "https://example.test/deep.yaml"), text);
            var limit = ex.Should().BeOfType<ManifestLimitException>().Which;
            limit.Limit.Should().Be(ManifestLimit.Depth);
            limit.LimitValue.Should().Be(ManifestParser.MaxDepth);
            limit.Source.Should().Be("https://example.test/deep.yaml");
            limit.Line.Should().Be(text.StartsWith('[') ? 1 : 2);
            limit.Message.Should().Contain("https://example.test/deep.yaml").And.Contain($"exceeded max depth of {ManifestParser.MaxDepth}");
        }
    }

    [Theory]
    [InlineData(1_001)]
    [InlineData(2_000)]
    [InlineData(4_000)]
    [InlineData(6_000)]
    public void Nesting_between_1000_and_6000_levels_is_refused_while_reading(int levels)
    {
        foreach (var (text, source) in new[] { (NestedYaml(levels), "deep.yaml"), (NestedJson(levels), "STDIN") })
        {
            var ex = Bounded.Run(() => ManifestParser.Parse(text, source), text);
            var limit = ex.Should().BeOfType<ManifestLimitException>($"{source}: {ex?.Message}").Which;
            limit.Limit.Should().Be(ManifestLimit.Depth);
            limit.Source.Should().Be(source);
            limit.Line.Should().Be(source == "STDIN" ? 2 : 4);
        }
    }

    [Fact]
    public void The_deepest_accepted_document_can_be_written_again()
    {
        // The document itself is level 1, so `extra` may hold MaxDepth - 1 levels.
        foreach (var text in new[] { NestedYaml(ManifestParser.MaxDepth - 1), NestedJson(ManifestParser.MaxDepth - 1) })
        {
            var document = ManifestParser.Parse(text, "deep").Single();
            var json = document.Object.ToJsonString();
            JsonNode.Parse(json, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = ManifestParser.MaxDepth + 1 })!
                .ToJsonString().Should().Be(json);
            document.Object.DeepClone().ToJsonString().Should().Be(json);
        }
    }

    [Fact]
    public void An_alias_bomb_fails_at_once_with_excessive_aliasing()
    {
        var text = Mutators.AliasBomb(levels: 9, fanOut: 10);
        var ex = Bounded.Run(() => ManifestParser.Parse(text, "bomb.yaml"), text);
        var limit = ex.Should().BeOfType<ManifestLimitException>().Which;
        limit.Limit.Should().Be(ManifestLimit.Aliasing);
        limit.Message.Should().Contain("document contains excessive aliasing").And.Contain("bomb.yaml");
        AllocatedBy(() => ManifestParser.Parse(text, "bomb.yaml")).Should().BeLessThan(4L * 1024 * 1024);
    }

    [Fact]
    public void A_merge_key_bomb_fails_at_once_with_excessive_aliasing()
    {
        var text = Mutators.MergeBomb(levels: 9, fanOut: 10);
        var ex = Bounded.Run(() => ManifestParser.Parse(text, "merge.yaml"), text);
        ex.Should().BeOfType<ManifestLimitException>().Which.Limit.Should().Be(ManifestLimit.Aliasing);
        AllocatedBy(() => ManifestParser.Parse(text, "merge.yaml")).Should().BeLessThan(4L * 1024 * 1024);
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 10)]
    [InlineData(3, 10)]
    [InlineData(4, 10)]
    [InlineData(3, 20)]
    [InlineData(2, 40)]
    public async Task Aliases_are_refused_exactly_when_kubectl_refuses_them(int levels, int fanOut)
    {
        foreach (var text in new[] { Mutators.AliasBomb(levels, fanOut), Mutators.MergeBomb(levels, fanOut) })
        {
            var dir = Directory.CreateTempSubdirectory("kube-access-alias-");
            try
            {
                var path = Path.Combine(dir.FullName, "a.yaml");
                await File.WriteAllTextAsync(path, text);
                var kubectl = await KubectlTool.RunAsync(["label", "--local", "-f", path, "z=1", "-o", "json"]);
                var theirs = kubectl.Stderr.Contains("excessive aliasing");
                kubectl.ExitCode.Should().Be(theirs ? 1 : 0, kubectl.Stderr);
                var ours = Bounded.Run(() => ManifestParser.Parse(text, path), text);
                (ours is ManifestLimitException { Limit: ManifestLimit.Aliasing }).Should().Be(theirs, $"kubectl said: {kubectl.Stderr}; we said: {ours?.Message}");
            }
            finally
            {
                dir.Delete(recursive: true);
            }
        }
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(1_001)]
    [InlineData(20_000)]
    public void JsonPath_refuses_input_deeper_than_its_limit_with_a_typed_error(int levels)
    {
        var text = new string('[', levels) + new string(']', levels);
        using var document = System.Text.Json.JsonDocument.Parse(text, new System.Text.Json.JsonDocumentOptions { MaxDepth = 100_000 });
        var template = JsonPathTemplate.Parse("{..x}{$}");
        var ex = Bounded.Run(() => template.Evaluate(document.RootElement), text);
        if (levels <= 1_000) ex.Should().BeNull();
        else ex.Should().BeOfType<JsonPathException>().Which.Reason.Should().Contain("deeper than 1000");
        var node = JsonNode.Parse(text, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 100_000 });
        var nodeError = Bounded.Run(() => template.Evaluate(node), text);
        if (levels <= 1_000) nodeError.Should().BeNull();
        else nodeError.Should().BeOfType<JsonPathException>();
    }

    [Theory]
    [InlineData(0x0000)]
    [InlineData(0x0001)]
    [InlineData(0x007f)]
    [InlineData(0x009b)]
    [InlineData(0xd800)]
    [InlineData(0xffff)]
    public void The_wizard_refuses_text_yaml_cannot_carry(int code)
    {
        var bad = ((char)code).ToString();
        var spec = new AppDeploymentSpec
        {
            Name = "hello",
            Image = "nginx:1.27",
            Description = "a" + bad,
            Command = ["/bin/sh" + bad],
            Arguments = ["x" + bad],
            EnvironmentVariables = [new AppEnvironmentVariable("A", "v" + bad)],
        };
        spec.Validate().Select(p => p.Field).Should().BeEquivalentTo("description", "command[0]", "arguments[0]", "environmentVariables[0].value");
        var build = () => spec.BuildManifests();
        build.Should().Throw<AppDeploymentValidationException>();
    }

    [Fact]
    public async Task The_wizards_yaml_with_unusual_text_round_trips_through_kubectl_and_our_parser()
    {
        const string description = "tab\there \"quoted\" 'single' #hash: colon\nnext line \u0085 \u00a0 \u2028 é ✓ \U0001F600 \\0";
        var spec = new AppDeploymentSpec
        {
            Name = "hello",
            Image = "nginx:1.27",
            Description = description,
            Arguments = ["-c", "echo 'a: b' # not a comment"],
            EnvironmentVariables = [new AppEnvironmentVariable("A", "\t- [x]")],
        };
        spec.Validate().Should().BeEmpty();
        var yaml = spec.BuildManifests().ToYaml();
        var ours = ManifestParser.Parse(yaml, "wizard.yaml").Single(d => d.Kind == "Deployment").Object;
        ours["metadata"]!["annotations"]!["description"]!.GetValue<string>().Should().Be(description);

        var dir = Directory.CreateTempSubdirectory("kube-access-wizard-");
        try
        {
            var path = Path.Combine(dir.FullName, "wizard.yaml");
            await File.WriteAllTextAsync(path, yaml);
            var kubectl = await KubectlTool.RunAsync(["label", "--local", "-f", path, "z=1", "-o", "json"]);
            kubectl.ExitCode.Should().Be(0, kubectl.Stderr);
            var theirs = JsonNode.Parse(kubectl.Stdout)!;
            var deployment = theirs["kind"]!.GetValue<string>() == "List"
                ? theirs["items"]!.AsArray().Single(i => i!["kind"]!.GetValue<string>() == "Deployment")!
                : theirs;
            deployment["metadata"]!["annotations"]!["description"]!.GetValue<string>().Should().Be(description);
            deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]![0]!["value"]!.GetValue<string>().Should().Be("\t- [x]");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static long AllocatedBy(Action parse)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            parse();
        }
        catch (ManifestException)
        {
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
