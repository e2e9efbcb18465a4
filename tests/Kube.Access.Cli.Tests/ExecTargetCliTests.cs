using FluentAssertions;
using Kube.Access.TestSupport;

namespace Kube.Access.Cli.Tests;

/// <summary>`kube-access exec TYPE/NAME` picks the same pod as `kubectl exec TYPE/NAME` (kubectl's pod ordering).</summary>
public sealed class ExecTargetCliTests(CliEmulatorFixture emulator) : IClassFixture<CliEmulatorFixture>
{
    [Theory]
    [InlineData("deploy/mongo")]
    [InlineData("deployment/hello-world")]
    [InlineData("svc/mongo")]
    [InlineData("service/hello")]
    public async Task A_workload_or_service_target_runs_in_the_pod_kubectl_picks(string target)
    {
        var kubectl = await KubectlTool.RunAsync(["exec", target, "--", "hostname"], emulator.Kubeconfig);
        var ours = await KubeAccessCli.RunAsync(["exec", target, "--", "hostname"], emulator.Kubeconfig);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        kubectl.Stdout.Should().NotBeNullOrWhiteSpace();
        ours.Stdout.Should().Be(kubectl.Stdout, "both run `hostname` in the same pod");
        emulator.Api.ListNames("pods", "default").Should().Contain(ours.Stdout.Trim());
    }

    [Fact]
    public async Task A_missing_deployment_is_an_error_naming_it()
    {
        var ours = await KubeAccessCli.RunAsync(["exec", "deploy/nope", "--", "hostname"], emulator.Kubeconfig);

        ours.ExitCode.Should().NotBe(0);
        ours.Stderr.Should().Contain("nope");
        ours.Stdout.Should().BeEmpty();
    }

    [Theory]
    [InlineData("exec", "deploy/mongo")]
    [InlineData("exec", "deploy/mongo", "hostname")]
    [InlineData("exec", "-c", "nope", "deploy/mongo", "--", "true")]
    [InlineData("exec", "pod/nope", "--", "true")]
    [InlineData("exec", "deploy/nope", "--", "true")]
    [InlineData("port-forward", "deploy/mongo")]
    [InlineData("port-forward", "deploy/nope", "27017")]
    [InlineData("port-forward", "svc/mongo", "27018")]
    public async Task A_refused_exec_or_port_forward_says_what_kubectl_says(params string[] arguments)
    {
        var kubectl = await KubectlTool.RunAsync(arguments, emulator.Kubeconfig);
        var ours = await KubeAccessCli.RunAsync(arguments, emulator.Kubeconfig);

        kubectl.ExitCode.Should().Be(1, kubectl.ToString());
        ours.ExitCode.Should().Be(1, ours.ToString());
        ours.Stdout.Should().BeEmpty();
        ours.Stderr.Replace("kube-access", "kubectl", StringComparison.Ordinal).Should().Be(kubectl.Stderr);
    }
}
