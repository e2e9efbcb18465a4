using System.Diagnostics;
using System.Runtime.InteropServices;
using FluentAssertions;
using Kube.Access.TestSupport;

namespace Kube.Access.Cli.Tests;

/// <summary>
/// SIGTERM and SIGINT end what hosts the proxy, the dashboard proxy and the emulator: the libraries
/// leave signals to the process (no console lifetime), and the CLI exits as kubectl proxy does
/// (killed by the signal: the shell's 143 and 130).
/// </summary>
public sealed class SignalTests : IClassFixture<CliEmulatorFixture>
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    // A functional bound on "it exits", not a timing assertion.
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(10);

    private readonly CliEmulatorFixture _emulator;

    public SignalTests(CliEmulatorFixture emulator) => _emulator = emulator;

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    public static TheoryData<string> Libraries => new() { "emulator", "proxy" };

    [Theory]
    [MemberData(nameof(Libraries))]
    public async Task A_process_hosting_the_library_and_nothing_else_is_ended_by_SIGTERM_as_by_default(string library)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var probe = Path.Combine(RepoPaths.RepoRoot, "tests", "Kube.Access.SignalProbe", "bin", RepoPaths.Configuration, "net10.0", "Kube.Access.SignalProbe.dll");
        var process = ToolProcess.Start(new ToolRun { FileName = "dotnet", Arguments = ["exec", probe, library] });
        try
        {
            (await process.StandardOutput.ReadLineAsync()).Should().Be("ready");
            Kill(process.Id, SigTerm).Should().Be(0);
            (await Exited(process)).Should().BeTrue($"a process hosting the {library} must end on SIGTERM");
            process.ExitCode.Should().Be(128 + SigTerm, "the runtime's default SIGTERM action ends the process by the signal");
        }
        finally
        {
            ToolProcess.Kill(process);
            process.Dispose();
        }
    }

    [Theory]
    [InlineData("proxy", SigTerm)]
    [InlineData("proxy", SigInt)]
    [InlineData("dashboard", SigTerm)]
    [InlineData("emulator", SigTerm)]
    [InlineData("emulator", SigInt)]
    public async Task The_cli_exits_on_a_signal_with_the_shells_code_for_it(string command, int signal)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string[] arguments = command switch
        {
            "proxy" => ["proxy", "--port", "0"],
            "dashboard" => ["dashboard", "--port", "0"],
            _ => ["emulator", "--port", "0"],
        };
        await using var cli = KubeAccessCli.Start(arguments, _emulator.Kubeconfig);
        await cli.WaitForLineAsync(l => l.StartsWith("Starting to serve on ", StringComparison.Ordinal) || l.StartsWith("Kubernetes API emulator listening at ", StringComparison.Ordinal));
        Kill(cli.Process.Id, signal).Should().Be(0);
        (await Exited(cli.Process)).Should().BeTrue($"kube-access {command} must exit on signal {signal}");
        cli.Process.ExitCode.Should().Be(128 + signal, "kubectl proxy is ended by the signal, which a shell reports as 128 + signal");
    }

    private static async Task<bool> Exited(Process process)
    {
        using var bound = new CancellationTokenSource(ExitBound);
        try
        {
            await process.WaitForExitAsync(bound.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
