using System.Text.Json.Nodes;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kube.Access.Manifests;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Tests.Manifests;

public class ManifestParserTests
{
    private const string Tricky = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: a
          labels: {x: "1"}
        data:
          k: v
        spec:
          a: yes
          b: on
          c: 0777
          d: 1.50
          e: 1e3
          f: ~
          g: 0x1F
          h: 1_000
          i: "yes"
          j: &anc {p: 1}
          k: *anc
          l: .5
          m: y
          n: 12345678901234567890
          o: -0
          p: +1
          q: 1.0
          r: 'single'
          s: |
            block
            text
          t: >
            folded
            text
          u: [1, "2", three]
          v: 2024-01-01
          w: 1.2.3
          "quoted key": null
        ---
        ---
        # only a comment
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: b}
        """;

    [Fact]
    public void Multi_document_yaml_with_empty_documents()
    {
        var docs = ManifestParser.Parse(Tricky, "t.yaml");
        docs.Select(d => d.DisplayName).Should().Equal("configmap/a", "service/b");
        docs[1].Index.Should().Be(3);
        docs[1].Line.Should().Be(41);
    }

    [Fact]
    public async Task Scalars_resolve_as_kubectl_resolves_them()
    {
        await AssertSameAsKubectl(Tricky, "tricky.yaml");
    }

    [Theory]
    [InlineData("hello-application.yaml")]
    [InlineData("backend-deployment.yaml")]
    [InlineData("backend-service.yaml")]
    [InlineData("frontend-deployment.yaml")]
    [InlineData("frontend-service.yaml")]
    [InlineData("two-container-pod.yaml")]
    [InlineData("mongo-deployment.yaml")]
    [InlineData("mongo-service.yaml")]
    public async Task The_guides_manifests_parse_as_kubectl_parses_them(string file)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(RepoPaths.ManifestsDir, file));
        await AssertSameAsKubectl(text, file);
    }

    [Fact]
    public async Task Json_stream_and_List_parse_as_kubectl_parses_them()
    {
        const string json = """
            {"apiVersion":"v1","kind":"List","items":[
              {"apiVersion":"v1","kind":"Service","metadata":{"name":"s1"},"spec":{"ports":[{"port":80}]}},
              {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"},"data":{"a":"b"}}]}
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d1"},"spec":{"replicas":2}}
            """;
        var docs = ManifestParser.Parse(json, "list.json");
        docs.Select(d => d.DisplayName).Should().Equal("service/s1", "configmap/c1", "deployment.apps/d1");
        await AssertSameAsKubectl(json, "list.json");
    }

    private static async Task AssertSameAsKubectl(string text, string name)
    {
        var dir = Directory.CreateTempSubdirectory("kube-access-parse-");
        try
        {
            var path = Path.Combine(dir.FullName, name);
            await File.WriteAllTextAsync(path, text);
            var result = await KubectlTool.RunAsync(["label", "--local", "-f", path, "z=1", "-o", "json"]);
            result.ExitCode.Should().Be(0, result.StdErr);
            var theirs = JsonCompare.ParseObjects(result.StdOut);
            var ours = ManifestParser.Parse(text, path).Select(d =>
            {
                var o = (JsonObject)d.Object.DeepClone();
                var meta = (JsonObject)o["metadata"]!;
                if (meta["labels"] is not JsonObject labels) meta["labels"] = labels = new JsonObject();
                labels["z"] = "1";
                return o;
            }).ToList();
            ours.Should().HaveCount(theirs.Count);
            for (var i = 0; i < ours.Count; i++)
                JsonCompare.Same(ours[i], theirs[i]).Should().BeTrue($"document {i}: ours {ours[i].ToJsonString()} vs kubectl {theirs[i].ToJsonString()}");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  bad: [\n", 5)]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n\t- x\n", 5)]
    [InlineData("a: 1\na: 2\n", 2)]
    public void Syntax_errors_name_the_line(string text, int line)
    {
        var act = () => ManifestParser.Parse(text, "bad.yaml");
        var ex = act.Should().Throw<ManifestException>().Which;
        ex.Source.Should().Be("bad.yaml");
        ex.Line.Should().Be(line);
    }

    [Theory]
    [InlineData("metadata: {name: a}\napiVersion: v1\n", "Kind")]
    [InlineData("kind: Service\nmetadata: {name: a}\n", "apiVersion")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {}\n", "name may not be empty")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {generateName: x-}\n", "generate name")]
    [InlineData("- a\n- b\n", "not an object")]
    [InlineData("just text\n", "not an object")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: [1]\n", "metadata")]
    public void Documents_missing_required_fields_are_rejected(string text, string message)
    {
        var act = () => ManifestParser.Parse(text, "x.yaml");
        act.Should().Throw<ManifestException>().WithMessage($"*{message}*");
    }

    [Fact]
    public void Alias_bombs_are_bounded()
    {
        var text = "a: &a [1,1,1,1,1,1,1,1,1,1]\n";
        for (var i = 0; i < 8; i++) text += $"{(char)('b' + i)}: &{(char)('b' + i)} [*{(char)('a' + i)},*{(char)('a' + i)},*{(char)('a' + i)},*{(char)('a' + i)},*{(char)('a' + i)},*{(char)('a' + i)},*{(char)('a' + i)},*{(char)('a' + i)},*{(char)('a' + i)},*{(char)('a' + i)}]\n";
        var act = () => ManifestParser.Parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n" + string.Join("\n", text.Split('\n').Select(l => "  " + l)), "bomb.yaml");
        act.Should().Throw<ManifestException>().WithMessage("*nodes*");
    }

    [Property(MaxTest = 300)]
    public bool Arbitrary_text_never_raises_anything_but_ManifestException(NonNull<string> text)
    {
        try
        {
            ManifestParser.Parse(text.Get, "fuzz.yaml");
        }
        catch (ManifestException)
        {
        }
        return true;
    }

    [Property(MaxTest = 300)]
    public bool Mutated_manifests_never_raise_anything_but_ManifestException(PositiveInt position, char c, bool insert)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.ManifestsDir, "two-container-pod.yaml"));
        var at = position.Get % text.Length;
        var mutated = insert ? text.Insert(at, c.ToString()) : text.Remove(at, 1);
        try
        {
            ManifestParser.Parse(mutated, "mutated.yaml");
        }
        catch (ManifestException)
        {
        }
        return true;
    }

    [Fact]
    public void A_plain_scalar_cut_short_in_a_flow_sequence_is_a_ManifestException()
    {
        // Found by the mutation property above: YamlDotNet's scanner raised InvalidOperationException here.
        var text = File.ReadAllText(Path.Combine(RepoPaths.ManifestsDir, "two-container-pod.yaml"));
        var mutated = text.Insert(12 % text.Length, "[");
        var act = () => ManifestParser.Parse(mutated, "mutated.yaml");
        act.Should().Throw<ManifestException>().Which.Message.Should().Contain("mutated.yaml");
    }
}
