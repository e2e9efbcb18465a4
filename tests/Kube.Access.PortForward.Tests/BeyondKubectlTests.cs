using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FluentAssertions;
using k8s;
using k8s.Models;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.PortForward.Tests;

/// <summary>Round robin over a service's pods and keepalive frames: each test runs its own emulator.</summary>
public sealed class BeyondKubectlTests
{
    [Fact]
    public async Task Round_robin_spreads_new_connections_over_every_ready_pod_of_the_service()
    {
        var ct = PortForwardFixture.Timeout(5);
        await using var emulator = await EmulatorSession.StartAsync(EmulatorScenario.Guide, cancellationToken: ct);
        var (api, connection) = (emulator.Api, emulator.Connection);
        var pods = await ScaleMongoAsync(connection, 3, ct);
        var servers = new List<TaggingServer>();
        try
        {
            foreach (var pod in pods)
            {
                // Each pod's 27017 leads to its own server, which answers with the pod's name.
                var server = new TaggingServer(pod);
                servers.Add(server);
                api.BindPodPort("default", pod, 27017, server.EndPoint);
            }

            await using var session = await new PortForwarder(connection).StartAsync(
                "service/mongo", [":27017"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"], LoadBalanceServicePods = true }, ct);
            var opened = new ConcurrentQueue<PortForwardConnection>();
            session.ConnectionOpened += (_, c) => opened.Enqueue(c);

            var answeredBy = new List<string>();
            for (var i = 0; i < 2 * pods.Count; i++)
            {
                answeredBy.Add(await AskAsync(session.Ports[0].LocalEndPoint, $"hello {i}", ct));
            }

            answeredBy.Distinct().Should().BeEquivalentTo(pods, "every ready pod of the service gets connections");
            answeredBy.Take(pods.Count).Should().OnlyHaveUniqueItems("consecutive connections go to different pods");
            opened.Select(c => c.Pod).Should().Equal(answeredBy, "the connection events name the pod that answered");
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Without_round_robin_a_service_forward_stays_on_one_pod()
    {
        var ct = PortForwardFixture.Timeout(5);
        await using var emulator = await EmulatorSession.StartAsync(EmulatorScenario.Guide, cancellationToken: ct);
        var (api, connection) = (emulator.Api, emulator.Connection);
        var pods = await ScaleMongoAsync(connection, 2, ct);
        await using var first = new TaggingServer(pods[0]);
        await using var second = new TaggingServer(pods[1]);
        api.BindPodPort("default", pods[0], 27017, first.EndPoint);
        api.BindPodPort("default", pods[1], 27017, second.EndPoint);

        await using var session = await new PortForwarder(connection).StartAsync(
            "service/mongo", [":27017"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, ct);
        var answeredBy = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            answeredBy.Add(await AskAsync(session.Ports[0].LocalEndPoint, $"hello {i}", ct));
        }

        answeredBy.Distinct().Should().ContainSingle().Which.Should().Be(session.Pod);
    }

    [Fact]
    public async Task An_idle_forward_sends_keepalive_frames_that_the_pod_never_sees()
    {
        var ct = PortForwardFixture.Timeout(5);
        await using var emulator = await EmulatorSession.StartAsync(EmulatorScenario.Guide, cancellationToken: ct);
        var api = emulator.Api;
        await using var sniffer = new WebSocketFrameSniffer(new IPEndPoint(IPAddress.Loopback, api.Url.Port));
        await using var connection = new KubeConnection(emulator.Endpoint with { Server = sniffer.Url });
        var pod = (await connection.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app.kubernetes.io/name=mongo", cancellationToken: ct)).Items.Single().Metadata.Name;
        await using var session = await new PortForwarder(connection).StartAsync(
            $"pod/{pod}", [":27017"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"], KeepAliveInterval = TimeSpan.FromMilliseconds(200) }, ct);

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(session.Ports[0].LocalEndPoint, ct);
        (await SendAndReadAsync(socket, "before idle", ct)).Should().Be("before idle");

        // Idle: the forward keeps its WebSocket busy with empty data-channel frames (channel byte 0, nothing else).
        await sniffer.WaitForAsync(frames => frames.Count(IsKeepAlive) >= 3, ct);

        sniffer.ClientFrames.Should().Contain(f => f.Opcode == 2 && f.Length == 1 + "before idle".Length && f.Head[0] == 0, "the data went out as one binary frame on channel 0");
        (await SendAndReadAsync(socket, "after idle", ct)).Should().Be("after idle", "keepalive frames carry no bytes to the pod");
        socket.Shutdown(SocketShutdown.Send);
        var rest = new byte[16];
        (await socket.ReceiveAsync(rest, SocketFlags.None, ct)).Should().Be(0, "the echo saw nothing but our two messages");

        static bool IsKeepAlive(SniffedFrame f) => f.Opcode == 2 && f.Length == 1 && f.Head[0] == 0;
    }

    private static async Task<string> SendAndReadAsync(Socket socket, string text, CancellationToken ct) =>
        Encoding.ASCII.GetString(await PortForwardFixture.SendAndReceiveAsync(socket, Encoding.ASCII.GetBytes(text), ct));

    /// <summary>Sends one line through the forward and returns the tag of the server that answered it.</summary>
    private static async Task<string> AskAsync(IPEndPoint endPoint, string line, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(line + "\n"), SocketFlags.None, ct);
        socket.Shutdown(SocketShutdown.Send);
        var reply = new MemoryStream();
        var buffer = new byte[1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
        {
            reply.Write(buffer, 0, n);
        }

        var text = Encoding.ASCII.GetString(reply.ToArray());
        var separator = text.IndexOf(": ", StringComparison.Ordinal);
        separator.Should().BePositive($"the reply '{text}' is 'TAG: LINE'");
        text[(separator + 2)..].Should().Be(line + "\n", "the line went through intact");
        return text[..separator];
    }

    /// <summary>Scales the guide's mongo deployment to <paramref name="count"/> and returns its ready pods once that many are.</summary>
    private static async Task<IReadOnlyList<string>> ScaleMongoAsync(IKubeConnection connection, int count, CancellationToken ct)
    {
        var replicas = $$$"""{"spec":{"replicas":{{{count}}}}}""";
        await connection.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(replicas, V1Patch.PatchType.MergePatch), "mongo", "default", cancellationToken: ct);
        while (true)
        {
            var pods = await connection.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app.kubernetes.io/name=mongo", cancellationToken: ct);
            var ready = pods.Items
                .Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase == "Running"
                    && p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
                .Select(p => p.Metadata.Name)
                .ToList();
            if (ready.Count >= count)
            {
                return ready;
            }

            await Task.Delay(100, ct);
        }
    }

    /// <summary>A loopback server that reads until EOF and answers <c>TAG: what it read</c>.</summary>
    private sealed class TaggingServer : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accept;

        public TaggingServer(string tag)
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(64);
            EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
            _accept = Task.Run(async () =>
            {
                while (true)
                {
                    Socket peer;
                    try
                    {
                        peer = await _listener.AcceptAsync(_stop.Token);
                    }
                    catch (Exception)
                    {
                        return;
                    }

                    _ = Task.Run(async () =>
                    {
                        using var p = peer;
                        try
                        {
                            var received = new MemoryStream();
                            var buffer = new byte[1024];
                            int n;
                            while ((n = await p.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                            {
                                received.Write(buffer, 0, n);
                            }

                            await p.SendAsync(Encoding.ASCII.GetBytes($"{tag}: ").Concat(received.ToArray()).ToArray(), SocketFlags.None, _stop.Token);
                            p.Shutdown(SocketShutdown.Send);
                        }
                        catch (Exception)
                        {
                            // The test ended.
                        }
                    });
                }
            });
        }

        public IPEndPoint EndPoint { get; }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Dispose();
            await _accept;
            _stop.Dispose();
        }
    }
}
