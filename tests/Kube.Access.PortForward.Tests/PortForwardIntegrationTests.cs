using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using k8s;
using Xunit;

namespace Kube.Access.PortForward.Tests;

/// <summary>Port-forward against the emulator's guide scenario (mongo deployment and service, 27017 bound to echo).</summary>
public sealed class PortForwardIntegrationTests : IClassFixture<PortForwardFixture>
{
    private readonly PortForwardFixture _fx;

    public PortForwardIntegrationTests(PortForwardFixture fx) => _fx = fx;

    [Theory]
    [InlineData("pod")]
    [InlineData("bare")]
    [InlineData("deployment/mongo")]
    [InlineData("replicaset")]
    [InlineData("service/mongo")]
    public async Task Every_target_kind_reaches_the_mongo_pod(string kind)
    {
        var ct = PortForwardFixture.Timeout();
        var pod = await _fx.MongoPodAsync();
        var rs = (await _fx.Connection.Client.AppsV1.ListNamespacedReplicaSetAsync("default", labelSelector: "app.kubernetes.io/name=mongo", cancellationToken: ct)).Items.Single().Metadata.Name;
        var target = kind switch
        {
            "pod" => $"pod/{pod}",
            "bare" => pod,
            "replicaset" => $"replicaset/{rs}",
            _ => kind,
        };
        var opened = new ConcurrentQueue<PortForwardConnection>();

        await using var session = await _fx.Forwarder.StartAsync(target, [":27017"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, ct);
        session.ConnectionOpened += (_, c) => opened.Enqueue(c);
        await session.Ready;

        session.Pod.Should().Be(pod);
        var port = session.Ports.Should().ContainSingle().Subject;
        port.PodPort.Should().Be(27017);
        port.LocalEndPoint.Port.Should().NotBe(0);
        var reply = await PortForwardFixture.EchoAsync(port.LocalEndPoint, Encoding.ASCII.GetBytes("ping mongo"), ct);
        Encoding.ASCII.GetString(reply).Should().Be("ping mongo");
        opened.Should().ContainSingle().Which.Should().Match<PortForwardConnection>(c => c.Pod == pod && c.PodPort == 27017 && c.Listener.Equals(port.LocalEndPoint));
        opened.Single().KubectlLine.Should().Be($"Handling connection for {port.LocalEndPoint.Port}");
        _fx.Api.Requests.Should().Contain(r => r.PathAndQuery == $"/api/v1/namespaces/default/pods/{pod}/portforward?ports=27017");
    }

    [Fact]
    public async Task Random_local_port_is_shared_by_both_loopback_families()
    {
        var ct = PortForwardFixture.Timeout();

        await using var session = await _fx.Forwarder.StartAsync("deployment/mongo", [":27017"], "default", null, ct);

        var families = session.Ports.Select(p => p.LocalEndPoint.AddressFamily).ToList();
        families.Should().Contain(AddressFamily.InterNetwork);
        session.Ports.Select(p => p.LocalEndPoint.Port).Distinct().Should().ContainSingle("kubectl binds the random port chosen for 127.0.0.1 on ::1 too");
        session.Ports.Select(p => p.KubectlLine).Should().Contain($"Forwarding from 127.0.0.1:{session.Ports[0].LocalEndPoint.Port} -> 27017");
        if (Socket.OSSupportsIPv6)
        {
            families.Should().Contain(AddressFamily.InterNetworkV6);
            session.Ports.Select(p => p.KubectlLine).Should().Contain($"Forwarding from [::1]:{session.Ports[0].LocalEndPoint.Port} -> 27017");
        }

        foreach (var port in session.Ports)
        {
            var reply = await PortForwardFixture.EchoAsync(port.LocalEndPoint, Encoding.ASCII.GetBytes($"hello over {port.LocalEndPoint.AddressFamily}"), ct);
            Encoding.ASCII.GetString(reply).Should().Be($"hello over {port.LocalEndPoint.AddressFamily}");
        }
    }

    [Fact]
    public async Task Moves_256_MiB_each_way_intact()
    {
        var ct = PortForwardFixture.Timeout(10);
        const long size = 256L * 1024 * 1024;
        await using var session = await _fx.Forwarder.StartAsync("service/mongo", ["0:27017"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, ct);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(session.Ports[0].LocalEndPoint, ct);

        var send = Task.Run(async () =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var rng = new Random(42);
            var chunk = new byte[64 * 1024];
            for (long sent = 0; sent < size; sent += chunk.Length)
            {
                rng.NextBytes(chunk);
                sha.AppendData(chunk);
                await socket.SendAsync(chunk, SocketFlags.None, ct);
            }

            socket.Shutdown(SocketShutdown.Send);
            return sha.GetHashAndReset();
        }, ct);

        using var received = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long total = 0;
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (n == 0)
            {
                break;
            }

            received.AppendData(buffer, 0, n);
            total += n;
        }

        total.Should().Be(size, "the echo returns every byte and then the pod's EOF reaches the client (half-close both ways)");
        received.GetHashAndReset().Should().Equal(await send);
        session.BytesToPod.Should().Be(size);
    }

    [Fact]
    public async Task Serves_64_concurrent_connections()
    {
        var ct = PortForwardFixture.Timeout(5);
        await using var session = await _fx.Forwarder.StartAsync("deployment/mongo", [":27017"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, ct);
        var closed = new ConcurrentBag<PortForwardConnectionClosed>();
        session.ConnectionClosed += (_, c) => closed.Add(c);
        var endPoint = session.Ports[0].LocalEndPoint;

        var replies = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            var message = Encoding.ASCII.GetBytes($"connection {i} " + new string('x', 10_000 + i));
            var reply = await PortForwardFixture.EchoAsync(endPoint, message, ct);
            return reply.SequenceEqual(message);
        }, ct)));

        replies.Should().OnlyContain(ok => ok);
        // Every connection ends cleanly once the clients have closed.
        while (closed.Count < 64)
        {
            await Task.Delay(50, ct);
        }

        closed.Should().OnlyContain(c => c.Error == null && c.BytesToPod == c.BytesFromPod && c.BytesToPod > 10_000);
    }

    [Fact]
    public async Task Pod_side_close_reaches_the_client_as_end_of_stream()
    {
        var ct = PortForwardFixture.Timeout();
        var pod = await _fx.MongoPodAsync();
        using var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        _fx.Api.BindPodPort("default", pod, 9001, (IPEndPoint)backend.LocalEndpoint);
        var serve = Task.Run(async () =>
        {
            using var peer = await backend.AcceptSocketAsync(ct);
            await peer.SendAsync(Encoding.ASCII.GetBytes("bye"), SocketFlags.None, ct);
            peer.Shutdown(SocketShutdown.Both);
        }, ct);

        await using var session = await _fx.Forwarder.StartAsync($"pod/{pod}", [":9001"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, ct);
        var closedTcs = new TaskCompletionSource<PortForwardConnectionClosed>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.ConnectionClosed += (_, c) => closedTcs.TrySetResult(c);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(session.Ports[0].LocalEndPoint, ct);

        var buffer = new byte[16];
        var got = new List<byte>();
        int n;
        while ((n = await client.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
        {
            got.AddRange(buffer[..n]);
        }

        Encoding.ASCII.GetString(got.ToArray()).Should().Be("bye");
        await serve;
        client.Shutdown(SocketShutdown.Send);
        var closed = await closedTcs.Task.WaitAsync(ct);
        closed.Error.Should().BeNull();
        closed.BytesFromPod.Should().Be(3);
    }

    [Fact]
    public async Task An_error_on_the_error_channel_becomes_a_PortForwardException_with_the_server_text()
    {
        var ct = PortForwardFixture.Timeout();
        var pod = await _fx.MongoPodAsync();
        await using var session = await _fx.Forwarder.StartAsync($"pod/{pod}", [":27999"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, ct);
        var closedTcs = new TaskCompletionSource<PortForwardConnectionClosed>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.ConnectionClosed += (_, c) => closedTcs.TrySetResult(c);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(session.Ports[0].LocalEndPoint, ct);
        var closed = await closedTcs.Task.WaitAsync(ct);

        var error = closed.Error.Should().NotBeNull().And.BeOfType<PortForwardException>().Subject;
        error.Pod.Should().Be(pod);
        error.Port.Should().Be(27999);
        error.Namespace.Should().Be("default");
        error.ServerText.Should().StartWith("error forwarding port 27999 to pod").And.Contain("connection refused");
        (await client.ReceiveAsync(new byte[1], SocketFlags.None, ct)).Should().Be(0, "the local connection is closed after the error");
    }

    [Fact]
    public async Task OpenStreamAsync_gives_a_duplex_stream_without_a_listener()
    {
        var ct = PortForwardFixture.Timeout();
        var pod = await _fx.MongoPodAsync();

        await using var stream = await _fx.Forwarder.OpenStreamAsync(pod, 27017, "default", ct);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("db.runCommand({ping:1})"), ct);
        var buffer = new byte[64];
        var total = 0;
        while (total < 23)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(total), ct);
            n.Should().BeGreaterThan(0);
            total += n;
        }

        Encoding.ASCII.GetString(buffer, 0, total).Should().Be("db.runCommand({ping:1})");
    }

    [Fact]
    public async Task Unknown_targets_and_ports_fail_with_kubectl_messages()
    {
        var ct = PortForwardFixture.Timeout();

        var missingPod = async () => await _fx.Forwarder.StartAsync("pod/nope", ["80"], "default", null, ct);
        (await missingPod.Should().ThrowAsync<PortForwardException>()).Which.Message.Should().Contain("pods \"nope\" not found");

        var missingServicePort = async () => await _fx.Forwarder.StartAsync("service/mongo", ["8080"], "default", null, ct);
        (await missingServicePort.Should().ThrowAsync<PortForwardException>()).Which.Message.Should().Be("Service mongo does not have a service port 8080");

        var namedServicePort = await _fx.Forwarder.StartAsync("service/mongo", ["mongo"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, ct);
        await using (namedServicePort)
        {
            namedServicePort.Ports.Should().ContainSingle().Which.PodPort.Should().Be(27017);
        }
    }

    [Fact]
    public async Task Dispose_leaves_no_listener_and_no_open_connection()
    {
        var ct = PortForwardFixture.Timeout();
        var session = await _fx.Forwarder.StartAsync("deployment/mongo", [":27017"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, ct);
        var endPoint = session.Ports[0].LocalEndPoint;
        using var open = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await open.ConnectAsync(endPoint, ct);
        (await PortForwardFixture.EchoAsync(endPoint, [1, 2, 3], ct)).Should().Equal(1, 2, 3);

        await session.DisposeAsync();

        session.Completion.IsCompleted.Should().BeTrue();
        session.ActiveConnections.Should().Be(0);
        var connect = async () =>
        {
            using var again = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await again.ConnectAsync(endPoint, ct);
        };
        (await connect.Should().ThrowAsync<SocketException>()).Which.SocketErrorCode.Should().Be(SocketError.ConnectionRefused);
        var read = async () => await open.ReceiveAsync(new byte[1], SocketFlags.None, ct);
        try
        {
            (await read()).Should().Be(0, "the forwarded connection was closed");
        }
        catch (SocketException ex)
        {
            ex.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
        }
    }

    [Fact]
    public async Task Cancelling_the_start_token_stops_the_forward()
    {
        using var cts = new CancellationTokenSource();
        await using var session = await _fx.Forwarder.StartAsync("deployment/mongo", [":27017"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, cts.Token);
        var endPoint = session.Ports[0].LocalEndPoint;

        await cts.CancelAsync();
        await session.Completion.WaitAsync(PortForwardFixture.Timeout());

        var connect = async () =>
        {
            using var again = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await again.ConnectAsync(endPoint, PortForwardFixture.Timeout());
        };
        await connect.Should().ThrowAsync<SocketException>();
    }
}
