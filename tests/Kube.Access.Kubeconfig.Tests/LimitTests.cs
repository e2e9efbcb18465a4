using Kube.Access.TestSupport;
using System.Text;
using FluentAssertions;
using Xunit;

namespace Kube.Access.Kubeconfig.Tests;

/// <summary>Alias bombs, deep nesting and huge documents are refused while reading, as kubectl refuses them.</summary>
public sealed class LimitTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A billion-laughs kubeconfig of about 600 bytes: nine levels of nine aliases inside a cluster extension.</summary>
    private static string AliasBomb()
    {
        var sb = new StringBuilder();
        sb.Append("apiVersion: v1\nkind: Config\ncurrent-context: ctx\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n    extensions:\n    - name: bomb\n      extension:\n");
        sb.Append("        a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            sb.Append("        ").Append(level).Append(": &").Append(level).Append(" [")
                .Append(string.Join(", ", Enumerable.Repeat("*" + previous, 9))).Append("]\n");
        }

        sb.Append("contexts:\n- name: ctx\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {token: t}\n");
        return sb.ToString();
    }

    [Fact]
    public async Task An_alias_bomb_is_refused_while_reading_by_the_parser_the_loader_and_every_edit_as_kubectl_refuses_it()
    {
        var yaml = AliasBomb();
        yaml.Length.Should().BeLessThan(1024);
        var file = _dir.Write("bomb", yaml);

        var parse = () => KubeconfigParser.Parse(yaml, file);
        var error = parse.Should().Throw<KubeconfigException>().Which;
        error.Message.Should().Contain("excessive aliasing");
        error.File.Should().Be(file);
        error.Line.Should().BeInRange(12, 19, "the alias that crossed the limit is on one of the nested levels");

        var load = () => KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = file });
        (await load.Should().ThrowAsync<KubeconfigException>()).Which.Message.Should().Contain("excessive aliasing");
        var edit = () => new KubeconfigEditor().SetContextAsync("ctx", new() { Namespace = "n" }, new() { ExplicitPath = file });
        (await edit.Should().ThrowAsync<KubeconfigException>()).Which.Message.Should().Contain("excessive aliasing");
        File.ReadAllText(file).Should().Be(yaml);
        Directory.GetFiles(_dir.Path).Should().Equal(file);

        var kubectl = await KubectlTool.RunAsync(["config", "view"], kubeconfigVariable: file, workingDirectory: _dir.Path);
        kubectl.ExitCode.Should().NotBe(0);
        kubectl.Stderr.Should().Contain("excessive aliasing");
    }

    [Fact]
    public async Task A_kubeconfig_with_a_few_aliases_loads_as_kubectl_loads_it()
    {
        var file = _dir.Write("config", """
            apiVersion: v1
            kind: Config
            current-context: dev
            clusters:
            - name: dev
              cluster: &cluster
                server: https://127.0.0.1:6443
                insecure-skip-tls-verify: true
                extensions:
                - name: shared
                  extension: &ext {team: a, tags: [x, y, z]}
            - name: prod
              cluster:
                <<: *cluster
                server: https://127.0.0.2:6443
            contexts:
            - name: dev
              context: &ctx {cluster: dev, user: u, namespace: team-a}
            - name: prod
              context: {<<: *ctx, cluster: prod}
            users:
            - name: u
              user: {token: t}
            extensions:
            - name: again
              extension: *ext
            """);
        var config = await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = file });
        config.FindCluster("prod")!.Server.Should().Be("https://127.0.0.2:6443");
        config.FindCluster("prod")!.InsecureSkipTlsVerify.Should().BeTrue();
        config.FindContext("prod")!.Namespace.Should().Be("team-a");

        var kubectl = await KubectlTool.RunAsync(["config", "view", "--raw", "-o", "json"], kubeconfigVariable: file, workingDirectory: _dir.Path);
        kubectl.ExitCode.Should().Be(0, kubectl.Stderr);
        KubeconfigView.Render(config, redact: false, KubeconfigOutputFormat.Json).ShouldBeSameAs(kubectl.Stdout);
    }

    [Fact]
    public void The_alias_ratio_follows_go_yaml()
    {
        Yaml.YamlReader.AllowedAliasRatio(1_000).Should().Be(0.99);
        Yaml.YamlReader.AllowedAliasRatio(400_000).Should().Be(0.99);
        Yaml.YamlReader.AllowedAliasRatio(2_200_000).Should().BeApproximately(0.545, 1e-9);
        Yaml.YamlReader.AllowedAliasRatio(4_000_000).Should().Be(0.10);
        Yaml.YamlReader.AllowedAliasRatio(40_000_000).Should().Be(0.10);
    }

    [Fact]
    public void Many_nodes_through_few_aliases_below_go_yamls_threshold_still_load()
    {
        // 100 aliases of a 9-item list: 1,000 alias-reached nodes of about 1,100, which go-yaml allows (at most 99% may come from aliases).
        var sb = new StringBuilder("extensions:\n- name: e\n  extension:\n    a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n    b: [");
        sb.Append(string.Join(", ", Enumerable.Repeat("*a", 100))).Append("]\n");
        var config = KubeconfigParser.Parse(sb.ToString(), "many");
        config.Extensions.Should().ContainSingle();
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused_also_through_aliases()
    {
        var deep = new string('[', KubeconfigParser.MaxNestingDepth + 5) + new string(']', KubeconfigParser.MaxNestingDepth + 5);
        var direct = () => KubeconfigParser.Parse("extensions:\n- name: e\n  extension: " + deep + "\n", "deep");
        var error = direct.Should().Throw<KubeconfigException>().Which;
        error.Message.Should().Contain($"deeper than {KubeconfigParser.MaxNestingDepth}");
        (error.File, error.Line).Should().Be(("deep", 3));

        // Each anchor is 100 levels deep; nested through each other they reach 300.
        var hundred = KubeconfigParser.MaxNestingDepth - 28;
        var yaml = $"a: &a {new string('[', hundred)}x{new string(']', hundred)}\n"
            + $"b: &b {new string('[', hundred - 1)}*a{new string(']', hundred - 1)}\n"
            + $"c: {new string('[', hundred - 1)}*b{new string(']', hundred - 1)}\n";
        var viaAlias = () => KubeconfigParser.Parse(yaml, "aliases");
        var aliasError = viaAlias.Should().Throw<KubeconfigException>().Which;
        aliasError.Message.Should().Contain("through alias '*a'");
        aliasError.Line.Should().Be(2);
    }

    [Fact]
    public async Task A_document_over_the_size_limit_is_refused_naming_the_line_where_it_crossed_it()
    {
        var file = _dir.File("huge");
        await using (var writer = new StreamWriter(file))
        {
            var line = "# c\n";
            for (var i = 0; i <= (KubeconfigParser.MaxDocumentLength / line.Length) + 1; i++)
            {
                await writer.WriteAsync(line);
            }
        }

        var load = () => KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = file });
        var error = (await load.Should().ThrowAsync<KubeconfigException>()).Which;
        error.Message.Should().Contain($"limit of {KubeconfigParser.MaxDocumentLength} characters");
        error.File.Should().Be(file);
        error.Line.Should().Be((KubeconfigParser.MaxDocumentLength / 4) + 1);
    }
}
