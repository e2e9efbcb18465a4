using System.Net;
using System.Net.Sockets;
using System.Text;
using FluentAssertions;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.PortForward.Tests;

/// <summary>
/// A session whose API server dies ends (kubectl exits with <c>lost connection to pod</c>); a pod refusing its port
/// does not end it. The API-server tests use an emulator of their own, since they stop it.
/// </summary>
public sealed class ApiServerLostTests : IClassFixture<PortForwardFixture>
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    private readonly PortForwardFixture _fx;

    public ApiServerLostTests(PortForwardFixture fx) => _fx = fx;

    [Fact]
    public async Task Losing_the_API_server_faults_Completion_with_a_typed_error_and_closes_the_listeners()
    {
        var ct = PortForwardFixture.Timeout();
        var emulator = await EmulatorSession.StartAsync(EmulatorScenario.Guide, cancellationToken: ct);
        // A connection of the test's own: the emulator session disposes its own connection with it.
        await using var connection = new KubeConnection(emulator.Endpoint);
        PortForwardSession session;
        string pod;
        try
        {
            pod = await _fx.MongoPodAsync(connection);
            session = await new PortForwarder(connection).StartAsync($"pod/{pod}", [":27017"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, ct);
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }

        await using (session)
        {
            var endPoint = session.Ports[0].LocalEndPoint;
            (await PortForwardFixture.EchoAsync(endPoint, [1, 2, 3], ct)).Should().Equal(1, 2, 3);

            await emulator.DisposeAsync();
            using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                await client.ConnectAsync(endPoint, ct);
                var completion = async () => await session.Completion.WaitAsync(HangGuard, ct);
                var error = (await completion.Should().ThrowAsync<PortForwardApiServerLostException>()).Which;
                error.Pod.Should().Be(pod);
                error.Port.Should().Be(27017);
                error.Namespace.Should().Be("default");
                error.Attempts.Should().Be(3);
                error.Message.Should().StartWith($"lost connection to pod default/{pod} port 27017").And.Contain("API server");
                error.InnerException.Should().BeAssignableTo<KubeConnectionException>();
            }

            var connect = async () =>
            {
                using var again = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await again.ConnectAsync(endPoint, ct);
            };
            (await connect.Should().ThrowAsync<SocketException>()).Which.SocketErrorCode.Should().Be(SocketError.ConnectionRefused);
        }
    }

    [Fact]
    public async Task A_refused_pod_port_does_not_end_the_session()
    {
        var ct = PortForwardFixture.Timeout();
        var pod = await _fx.MongoPodAsync();
        var options = new PortForwardOptions { Addresses = ["127.0.0.1"], ApiServerConnectAttempts = 1 };
        await using var session = await _fx.Forwarder.StartAsync($"pod/{pod}", [":27999", ":27017"], "default", options, ct);
        var refused = session.Ports.Single(p => p.PodPort == 27999).LocalEndPoint;
        var echo = session.Ports.Single(p => p.PodPort == 27017).LocalEndPoint;

        for (var i = 0; i < 3; i++)
        {
            var closedTcs = new TaskCompletionSource<PortForwardConnectionClosed>(TaskCreationOptions.RunContinuationsAsynchronously);
            EventHandler<PortForwardConnectionClosed> handler = (_, c) => closedTcs.TrySetResult(c);
            session.ConnectionClosed += handler;
            using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                await client.ConnectAsync(refused, ct);
                var closed = await closedTcs.Task.WaitAsync(ct);
                closed.Error.Should().NotBeNull().And.NotBeOfType<PortForwardApiServerLostException>();
                closed.Error!.ServerText.Should().Contain("connection refused");
            }

            session.ConnectionClosed -= handler;
        }

        session.Completion.IsCompleted.Should().BeFalse("a pod refusing its port is the connection's error, not the session's");
        (await PortForwardFixture.EchoAsync(echo, Encoding.ASCII.GetBytes("still here"), ct)).Should().Equal(Encoding.ASCII.GetBytes("still here"));
        (await PortForwardFixture.EchoAsync(refused, [1], ct)).Should().BeEmpty("the listener still accepts; the pod closes the connection");
    }

    [Fact]
    public async Task The_CLI_exits_with_one_error_line_when_the_API_server_is_lost()
    {
        var ct = PortForwardFixture.Timeout();
        var emulator = await EmulatorSession.StartAsync(EmulatorScenario.Guide, cancellationToken: ct);
        RunningTool cli;
        try
        {
            var pod = await _fx.MongoPodAsync(emulator.Connection);
            cli = KubeAccessCli.Start(["port-forward", $"pod/{pod}", ":27017", "-n", "default", "--address", "127.0.0.1"], emulator.Kubeconfig);
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }

        await using (cli)
        {
            int port;
            try
            {
                var line = await cli.WaitForLineAsync(l => l.StartsWith("Forwarding from 127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
                port = int.Parse(line["Forwarding from 127.0.0.1:".Length..line.IndexOf(' ', "Forwarding from ".Length)], System.Globalization.CultureInfo.InvariantCulture);
                var endPoint = new IPEndPoint(IPAddress.Loopback, port);
                (await PortForwardFixture.EchoAsync(endPoint, [4, 5, 6], ct)).Should().Equal(4, 5, 6);
            }
            finally
            {
                await emulator.DisposeAsync();
            }

            using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
                await cli.Process.WaitForExitAsync(ct).WaitAsync(HangGuard, ct);
            }

            cli.Process.ExitCode.Should().Be(1, cli.Describe());
            cli.StderrLines.Where(l => l.StartsWith("error:", StringComparison.Ordinal)).Should().ContainSingle(cli.Describe())
                .Which.Should().StartWith("error: lost connection to pod default/");
        }
    }
}
