using FluentAssertions;
using Kube.Access.TestSupport;

namespace Kube.Access.Cli.Tests;

/// <summary>`kube-access version`, `cluster-info` and `api` against kubectl on the same emulator.</summary>
public sealed class ClusterCliTests(CliEmulatorFixture emulator) : IClassFixture<CliEmulatorFixture>
{
    [Fact]
    public async Task Version_reports_the_servers_git_version_as_kubectl_does()
    {
        var kubectl = await KubectlTool.RunAsync(["version", "-o", "json"], emulator.Kubeconfig);
        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        var serverVersion = System.Text.Json.Nodes.JsonNode.Parse(kubectl.Stdout)!["serverVersion"]!["gitVersion"]!.GetValue<string>();

        var ours = await KubeAccessCli.RunAsync(["version"], emulator.Kubeconfig);

        ours.ExitCode.Should().Be(0, ours.ToString());
        ours.Stdout.Should().Contain($"Server Version: {serverVersion}");
        ours.Stdout.Should().StartWith("Client Version: kube-access ");
    }

    [Fact]
    public async Task Version_client_needs_no_server()
    {
        var ours = await KubeAccessCli.RunAsync(["version", "--client"]);

        ours.ExitCode.Should().Be(0, ours.ToString());
        ours.Stdout.Trim().Split('\n').Should().ContainSingle().Which.Should().StartWith("Client Version: kube-access ");
    }

    [Fact]
    public async Task Cluster_info_prints_kubectls_lines()
    {
        var kubectl = await KubectlTool.RunAsync(["cluster-info"], emulator.Kubeconfig);
        var ours = await KubeAccessCli.RunAsync(["cluster-info"], emulator.Kubeconfig);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        Plain(ours.Stdout).Should().Be(Plain(kubectl.Stdout));
    }

    [Fact]
    public async Task Api_prints_the_discovery_document_kubectl_get_raw_sees()
    {
        var kubectl = await KubectlTool.RunAsync(["get", "--raw", "/api"], emulator.Kubeconfig);
        var ours = await KubeAccessCli.RunAsync(["api", "/api"], emulator.Kubeconfig);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        JsonCompare.Same(System.Text.Json.Nodes.JsonNode.Parse(ours.Stdout), System.Text.Json.Nodes.JsonNode.Parse(kubectl.Stdout))
            .Should().BeTrue($"ours:\n{ours.Stdout}\nkubectl:\n{kubectl.Stdout}");
    }

    /// <summary>Output without ANSI colour sequences (kubectl colours cluster-info only on a terminal, but be safe).</summary>
    private static string Plain(string text) => System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;]*m", string.Empty);
}
