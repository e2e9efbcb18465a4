using FluentAssertions;
using Kube.Access.TestSupport;

namespace Kube.Access.Cli.Tests;

/// <summary>
/// `kube-access images` against the guide's commands run with kubectl on the same emulator
/// (chapter 7, "list all container images running in a cluster").
/// </summary>
public sealed class ImagesCliTests(CliEmulatorFixture emulator) : IClassFixture<CliEmulatorFixture>
{
    private const string ImagesTemplate = "{.items[*].spec.containers[*].image}";
    private const string ByPodTemplate = "{range .items[*]}{\"\\n\"}{.metadata.name}{\":\\t\"}{range .spec.containers[*]}{.image}{\", \"}{end}{end}";

    [Theory]
    [InlineData("-A")]
    [InlineData("-n", "kube-system")]
    [InlineData("-A", "-l", "app=hello")]
    [InlineData("-A", "-l", "k8s-app=kube-dns")]
    public async Task Jsonpath_output_is_kubectls(params string[] scope)
    {
        foreach (var template in new[] { ImagesTemplate, ByPodTemplate })
        {
            var kubectl = await KubectlTool.RunAsync(["get", "pods", .. scope, "-o", "jsonpath=" + template], emulator.Kubeconfig);
            var ours = await KubeAccessCli.RunAsync(["images", .. scope, "-q", "-o", "jsonpath=" + template], emulator.Kubeconfig);

            kubectl.ExitCode.Should().Be(0, kubectl.ToString());
            ours.ExitCode.Should().Be(0, ours.ToString());
            kubectl.Stdout.Should().NotBeEmpty();
            ours.Stdout.Should().Be(kubectl.Stdout, $"template {template} with {string.Join(' ', scope)}");
        }
    }

    [Theory]
    [InlineData("-n", "kube-system")]
    [InlineData("--namespace=kube-system")]
    [InlineData("--context", "emulator", "-n", "kube-system")]
    public async Task Global_flags_go_before_the_command_as_with_kubectl(params string[] globals)
    {
        var kubectl = await KubectlTool.RunAsync([.. globals, "get", "pods", "-o", "jsonpath=" + ImagesTemplate], emulator.Kubeconfig);
        var ours = await KubeAccessCli.RunAsync([.. globals, "images", "-q", "-o", "jsonpath=" + ImagesTemplate], emulator.Kubeconfig);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        kubectl.Stdout.Should().Contain("coredns");
        ours.Stdout.Should().Be(kubectl.Stdout);
    }

    [Fact]
    public async Task Count_matches_the_guides_sort_uniq_pipeline()
    {
        // kubectl get pods -A -o jsonpath=... | tr -s '[[:space:]]' '\n' | sort | uniq -c
        var kubectl = await KubectlTool.RunAsync(["get", "pods", "-A", "-o", "jsonpath=" + ImagesTemplate], emulator.Kubeconfig);
        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        var expected = kubectl.Stdout
            .Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .GroupBy(image => image)
            .ToDictionary(g => g.Key, g => g.Count());

        var ours = await KubeAccessCli.RunAsync(["images", "-A", "-q", "--count"], emulator.Kubeconfig);

        ours.ExitCode.Should().Be(0, ours.ToString());
        var counted = ours.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Trim().Split(' ', 2))
            .ToDictionary(parts => parts[1], parts => int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
        counted.Should().Equal(expected);
        ours.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().Split(' ', 2)[1])
            .Should().BeInAscendingOrder(StringComparer.Ordinal, "uniq -c after sort lists images in sorted order");
    }

    [Fact]
    public async Task A_bad_template_is_a_clear_error_with_exit_code_1()
    {
        var ours = await KubeAccessCli.RunAsync(["images", "-A", "-q", "-o", "jsonpath={.items[*"], emulator.Kubeconfig);

        ours.ExitCode.Should().NotBe(0);
        ours.Stdout.Should().BeEmpty();
        ours.Stderr.Should().Contain("{.items[*");
    }

    [Fact]
    public async Task An_unreachable_server_is_reported_not_thrown()
    {
        var ours = await KubeAccessCli.RunAsync(["images", "-A", "-q", "--server", "https://127.0.0.1:1", "--insecure-skip-tls-verify", "--token", "x"], timeout: TimeSpan.FromMinutes(2));

        ours.ExitCode.Should().NotBe(0);
        ours.Stderr.Should().Contain("127.0.0.1:1");
        ours.Stderr.Should().NotContain("   at ", "a connection failure is reported as a message, not a stack trace");
    }
}
