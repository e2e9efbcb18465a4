using System.Buffers;
using System.Text;
using FluentAssertions;
using Kube.Access.Channels;
using Kube.Access.Exec;
using Xunit;

namespace Kube.Access.Tests.Exec;

/// <summary>An API server that offers only v4.channel.k8s.io (no close-channel frame).</summary>
public sealed class PodExecV4Tests : IAsyncLifetime
{
    private ExecEmulator _e = null!;

    public async Task InitializeAsync() => _e = await ExecEmulator.StartAsync(execProtocols: [ChannelProtocols.V4]);

    public async Task DisposeAsync() => await _e.DisposeAsync();

    [Fact]
    public async Task Commands_without_stdin_run_over_v4()
    {
        await using var session = await _e.Exec.StartAsync(new ExecRequest { Pod = "shell-demo", Command = ["sh", "-c", "echo v4; exit 2"] });
        session.Protocol.Should().Be(ChannelProtocols.V4);
        session.CanCloseStdin.Should().BeFalse();
        var result = await _e.Exec.RunAsync("default", "shell-demo", ["sh", "-c", "echo v4; exit 2"]);
        result.StdoutText.Should().Be("v4\n");
        result.ExitCode.Should().Be(2);
    }

    [Fact]
    public async Task Closing_stdin_over_v4_is_a_typed_error_not_a_hang()
    {
        await using var session = await _e.Exec.StartAsync(new ExecRequest { Pod = "shell-demo", Command = ["cat"], Stdin = true });
        session.Protocol.Should().Be(ChannelProtocols.V4);
        await session.WriteStdinAsync("some input\n"u8.ToArray());
        var read = await session.Stdout.ReadAtLeastAsync(11);
        Encoding.UTF8.GetString(read.Buffer.Slice(0, 11).ToArray()).Should().Be("some input\n");
        session.Stdout.AdvanceTo(read.Buffer.End);

        var close = () => session.CloseStdinAsync().AsTask();
        var error = (await close.Should().ThrowAsync<ExecException>()).Which;
        error.Kind.Should().Be(ExecErrorKind.StdinCloseUnsupported);
        error.Message.Should().Contain(ChannelProtocols.V4).And.Contain(ChannelProtocols.V5);
        error.Pod.Should().Be("shell-demo");
    }

    [Fact]
    public async Task RunAsync_with_stdin_over_v4_fails_typed()
    {
        var act = () => _e.Exec.RunAsync("default", "shell-demo", ["cat"], null, "x\n"u8.ToArray()).WaitAsync(TimeSpan.FromMinutes(1));
        (await act.Should().ThrowAsync<ExecException>()).Which.Kind.Should().Be(ExecErrorKind.StdinCloseUnsupported);
    }

    [Fact]
    public async Task A_client_that_offers_only_v5_is_refused_by_a_v4_server()
    {
        var exec = new PodExec(_e.Connection, Microsoft.Extensions.Options.Options.Create(new PodExecOptions { Protocols = [ChannelProtocols.V5] }));
        var act = () => exec.RunAsync("default", "shell-demo", ["true"]);
        var error = (await act.Should().ThrowAsync<ExecException>()).Which;
        error.Kind.Should().Be(ExecErrorKind.UpgradeRejected);
        error.ApiServerMessage.Should().Contain("requested protocol(s) are not supported");
    }
}
