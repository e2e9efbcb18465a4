using System.Text;
using System.Text.RegularExpressions;
using FluentAssertions;
using Kube.Access.Exec;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Tests.Exec;

/// <summary>
/// kubectl exec (v1.32, WebSocket v5) against the emulator, compared with IPodExec.RunAsync and with the
/// kube-access CLI on the same pod, command and input: same stdout, stderr and exit code.
/// </summary>
public sealed partial class ExecDifferentialTests : IAsyncLifetime
{
    private ExecEmulator _e = null!;

    public async Task InitializeAsync()
    {
        _e = await ExecEmulator.StartAsync(https: true);
        await _e.WaitForTwoContainersAsync();
    }

    public async Task DisposeAsync() => await _e.DisposeAsync();

    public static TheoryData<string, string?> Commands() => new()
    {
        { "hostname", null },
        { "echo|a  b|c&d", null },
        { "sh|-c|echo out; echo err >&2; exit 4", null },
        { "sh|-c|nosuchcmd", null },
        { "sh|-c|exit 3", null },
        { "ls|/usr/share/nginx/html", null },
        { "cat|/etc/hostname", null },
        { "cat", string.Concat(Enumerable.Range(0, 3000).Select(i => $"line {i}\n")) },
        { "sh", "echo a > /tmp/x\necho b >> /tmp/x\ncat /tmp/x\nexit 3\n" },
        { "sh|-c|cat; echo done >&2", "piped\ninput\n" },
        { "cat", "" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Kubectl_RunAsync_and_the_CLI_agree(string commandLine, string? input)
    {
        var command = commandLine.Split('|');
        string[] flags = input is null ? [] : ["-i"];
        var kubectl = await _e.Kubectl(input, ["exec", .. flags, "shell-demo", "--", .. command]);
        var cli = await RunCliAsync(input, ["exec", .. flags, "shell-demo", "--", .. command]);
        cli.Should().Be(kubectl, "the CLI must print what kubectl prints");

        var ours = input is null
            ? await _e.Exec.RunAsync("default", "shell-demo", command)
            : await _e.Exec.RunAsync("default", "shell-demo", command, null, Encoding.UTF8.GetBytes(input));
        ours.StdoutText.Should().Be(kubectl.StdOut);
        ours.ExitCode.Should().Be(kubectl.ExitCode);
        var terminated = ours.ExitCode == 0 ? string.Empty : $"command terminated with exit code {ours.ExitCode}\n";
        (ours.StderrText + terminated).Should().Be(kubectl.StdErr);
    }

    [Fact]
    public async Task A_command_the_runtime_cannot_start_reads_the_same()
    {
        var kubectl = await _e.Kubectl(null, "exec", "shell-demo", "--", "nosuchbinary");
        var cli = await RunCliAsync(null, ["exec", "shell-demo", "--", "nosuchbinary"]);
        Normalize(cli).Should().Be(Normalize(kubectl));
        kubectl.ExitCode.Should().Be(1);

        var act = () => _e.Exec.RunAsync("default", "shell-demo", ["nosuchbinary"]);
        var error = (await act.Should().ThrowAsync<ExecException>()).Which;
        Normalize(new ToolResult(1, "", $"error: {error.ApiServerMessage}\n")).Should().Be(Normalize(kubectl));
    }

    [Theory]
    [InlineData("exec|ghost|--|true")]
    [InlineData("exec|shell-demo|-c|nope|--|true")]
    [InlineData("exec|two-containers|-c|debian-container|--|true")]
    [InlineData("exec|two-containers|--|ls|/usr/share/nginx/html")]
    [InlineData("exec|two-containers|-c|nginx-container|--|curl|-s|localhost")]
    [InlineData("exec|annotated|--|hostname")]
    [InlineData("exec|with-init|--|hostname")]
    [InlineData("exec|bad-annotation|--|hostname")]
    [InlineData("exec|-n|default|annotated|-c|web|--|hostname")]
    [InlineData("exec|-i|-t|shell-demo|--|cat")]
    [InlineData("exec|-t|shell-demo|--|echo|tty")]
    [InlineData("attach|-i|shell-demo")]
    [InlineData("attach|-i|two-containers|-c|nginx-container")]
    public async Task Errors_and_container_choice_read_like_kubectl(string args)
    {
        var argv = args.Split('|');
        var input = argv.Contains("-i") ? "through a pipe\n" : null;
        var kubectl = await _e.Kubectl(input, argv);
        var cli = await RunCliAsync(input, argv);
        cli.ExitCode.Should().Be(kubectl.ExitCode);
        cli.StdOut.Should().Be(kubectl.StdOut);
        if (!ApiText().IsMatch(kubectl.Stderr))
        {
            cli.StdErr.Should().Be(kubectl.StdErr);
        }
        else
        {
            // kubectl falls back to SPDY after a refused WebSocket and reports that attempt; the apiserver's text is the same.
            var apiText = ApiText().Match(cli.StdErr).Groups[1].Value.Trim();
            apiText.Should().NotBeEmpty();
            kubectl.StdErr.Should().Contain(apiText);
        }
    }

    [GeneratedRegex(@"^(?:error: |Error from server \(\w+\): )(.*)$", RegexOptions.Multiline)]
    private static partial Regex ApiText();

    [GeneratedRegex("[0-9a-f]{32}")]
    private static partial Regex Guid32();

    private static ToolResult Normalize(ToolResult r) => r with { Stderr = Guid32().Replace(r.Stderr, "<id>") };

    private Task<ToolResult> RunCliAsync(string? stdin, string[] args) =>
        KubeAccessCli.RunAsync(args, _e.Kubeconfig, stdin);
}
