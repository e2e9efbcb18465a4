using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using Xunit;

namespace Kube.Access.Testing.Tests.Streaming;

public sealed class PortForwardTests : IAsyncLifetime
{
    private KubeApiEmulator _host = null!;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    public async Task InitializeAsync() => _host = await KubeApiEmulator.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("v4.channel.k8s.io")]
    [InlineData("portforward.k8s.io")]
    public async Task Sixteen_MiB_through_an_echo_binding_come_back_intact(string protocol)
    {
        var ct = Timeout;
        _host.AddPod("default", "mongo-0");
        _host.BindPodPort("default", "mongo-0", 27017, PodBackend.Echo);
        await using var client = await ChannelClient.ConnectAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/mongo-0/portforward?ports=27017"), protocol, ct);
        client.Socket.SubProtocol.Should().Be(protocol);

        (await client.ReceiveAsync(ct)).Should().BeEquivalentTo(((byte)0, PortBytes(27017)));
        (await client.ReceiveAsync(ct)).Should().BeEquivalentTo(((byte)1, PortBytes(27017)));

        var data = new byte[16 * 1024 * 1024];
        new Random(42).NextBytes(data);
        var sender = Task.Run(async () =>
        {
            for (var offset = 0; offset < data.Length; offset += 50_000)
            {
                await client.SendAsync(0, data.AsSpan(offset, Math.Min(50_000, data.Length - offset)), ct);
            }

            await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        });

        using var received = new MemoryStream();
        while (await client.ReceiveAsync(ct) is { } frame)
        {
            frame.Channel.Should().Be(0, "the echo answers on the data channel only");
            received.Write(frame.Payload);
        }

        await sender;
        received.Length.Should().Be(data.Length);
        SHA256.HashData(received.ToArray()).Should().Equal(SHA256.HashData(data));
    }

    [Fact]
    public async Task An_unbound_port_is_reported_on_the_error_channel_and_the_connection_closes()
    {
        var ct = Timeout;
        var pod = _host.AddPod("default", "web");
        await using var client = await ChannelClient.ConnectAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/web/portforward?ports=8080"), "v4.channel.k8s.io", ct);

        var channels = await client.ReadToCloseAsync(ct);

        channels[0].ToArray().Should().Equal(PortBytes(8080));
        var error = channels[1].ToArray();
        error.Take(2).Should().Equal(PortBytes(8080));
        var text = Encoding.UTF8.GetString(error, 2, error.Length - 2);
        text.Should().StartWith("error forwarding port 8080 to pod ");
        text.Should().Contain(", uid : failed to execute portforward in network namespace");
        text.Should().Contain("failed to connect to localhost:8080 inside namespace");
        text.Should().Contain("connect: connection refused");
        text.Should().NotContain(pod.Metadata.Uid, "with CRI the kubelet names the sandbox, not the pod uid");
    }

    [Fact]
    public async Task Two_ports_use_channels_0_1_and_2_3()
    {
        var ct = Timeout;
        _host.AddPod("default", "two");
        _host.BindPodPort("default", "two", 7000, PodBackend.Echo);
        _host.BindPodPort("default", "two", 8080, PodBackend.HelloHttp);
        await using var client = await ChannelClient.ConnectAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/two/portforward?ports=7000&ports=8080"), "v4.channel.k8s.io", ct);
        var openers = new List<(byte, byte[])>();
        for (var i = 0; i < 4; i++)
        {
            var frame = await client.ReceiveAsync(ct);
            openers.Add(frame!.Value);
        }

        openers.Should().BeEquivalentTo(new[] { ((byte)0, PortBytes(7000)), ((byte)1, PortBytes(7000)), ((byte)2, PortBytes(8080)), ((byte)3, PortBytes(8080)) });

        await client.SendAsync(2, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8, ct);
        await client.SendAsync(0, "ping"u8, ct);
        var http = new StringBuilder();
        var echo = new StringBuilder();
        while (!(http.ToString().Contains("Hello Kubernetes!") && echo.ToString() == "ping"))
        {
            var frame = await client.ReceiveAsync(ct);
            frame.Should().NotBeNull();
            (frame!.Value.Channel switch { 0 => echo, 2 => http, _ => throw new InvalidOperationException($"data on channel {frame.Value.Channel}") })
                .Append(Encoding.ASCII.GetString(frame.Value.Payload));
        }

        http.ToString().Should().StartWith("HTTP/1.1 200 OK");
    }

    [Fact]
    public async Task The_backend_closing_closes_the_connection()
    {
        var ct = Timeout;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _host.AddPod("default", "bye");
        _host.BindPodPort("default", "bye", 9000, listener.LocalEndpoint);
        var server = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(ct);
            await socket.SendAsync("bye"u8.ToArray(), SocketFlags.None, ct);
            socket.Shutdown(SocketShutdown.Both);
        });

        await using var client = await ChannelClient.ConnectAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/bye/portforward?ports=9000"), "v4.channel.k8s.io", ct);
        var channels = await client.ReadToCloseAsync(ct);
        await server;

        Encoding.ASCII.GetString(channels[0].ToArray().AsSpan(2)).Should().Be("bye");
        client.Socket.CloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
    }

    [Fact]
    public async Task Closing_the_client_shuts_the_backends_send_side_and_its_answer_still_arrives()
    {
        var ct = Timeout;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _host.AddPod("default", "count");
        _host.BindPodPort("default", "count", 9001, listener.LocalEndpoint);
        var server = Task.Run(async () =>
        {
            // Reads to end of stream, then answers with the byte count: only possible after a half-close.
            using var socket = await listener.AcceptSocketAsync(ct);
            var buffer = new byte[4096];
            var total = 0;
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            {
                total += n;
            }

            await socket.SendAsync(Encoding.ASCII.GetBytes($"got {total}"), SocketFlags.None, ct);
            socket.Shutdown(SocketShutdown.Both);
        });

        await using var client = await ChannelClient.ConnectAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/count/portforward?ports=9001"), "v4.channel.k8s.io", ct);
        await client.SendAsync(0, new byte[1000], ct);
        await client.SendAsync(0, new byte[234], ct);
        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        var channels = await client.ReadToCloseAsync(ct);
        await server;

        Encoding.ASCII.GetString(channels[0].ToArray().AsSpan(2)).Should().Be("got 1234");
    }

    [Fact]
    public async Task A_missing_pod_is_a_404_Status_before_the_upgrade()
    {
        var ct = Timeout;
        (await ChannelClient.RejectedStatusAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/nope/portforward?ports=80"), "v4.channel.k8s.io", ct)).Should().Be(404);

        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri(_host.Url, "/api/v1/namespaces/default/pods/nope/portforward?ports=80"), ct);
        var status = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
        ((int)response.StatusCode).Should().Be(404);
        status.GetProperty("kind").GetString().Should().Be("Status");
        status.GetProperty("reason").GetString().Should().Be("NotFound");
        status.GetProperty("message").GetString().Should().Be("pods \"nope\" not found");
        status.GetProperty("code").GetInt32().Should().Be(404);
    }

    [Fact]
    public async Task A_pod_that_is_not_running_is_a_400()
    {
        var ct = Timeout;
        _host.AddPod("default", "pending", phase: "Pending");
        _host.AddPod("default", "done", phase: "Succeeded");
        (await ChannelClient.RejectedStatusAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/pending/portforward?ports=80"), "v4.channel.k8s.io", ct)).Should().Be(400);
        (await ChannelClient.RejectedStatusAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/done/portforward?ports=80"), "v4.channel.k8s.io", ct)).Should().Be(400);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?ports=")]
    [InlineData("?ports=abc")]
    [InlineData("?ports=0")]
    [InlineData("?ports=70000")]
    public async Task Bad_ports_are_a_400(string query)
    {
        var ct = Timeout;
        _host.AddPod("default", "p");
        (await ChannelClient.RejectedStatusAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/p/portforward" + query), "v4.channel.k8s.io", ct)).Should().Be(400);
    }

    [Fact]
    public async Task An_unsupported_subprotocol_is_refused()
    {
        var ct = Timeout;
        _host.AddPod("default", "p");
        _host.BindPodPort("default", "p", 80, PodBackend.Echo);
        (await ChannelClient.RejectedStatusAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/p/portforward?ports=80"), "v4.base64.channel.k8s.io", ct)).Should().Be(400, "base64 framing is not served");
    }

    [Fact]
    public async Task A_sink_binding_swallows_data_and_closes_after_the_client()
    {
        var ct = Timeout;
        _host.AddPod("default", "s");
        _host.BindPodPort("default", "s", 5000, PodBackend.Sink);
        await using var client = await ChannelClient.ConnectAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/s/portforward?ports=5000"), "v4.channel.k8s.io", ct);
        await client.SendAsync(0, new byte[100_000], ct);
        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        var channels = await client.ReadToCloseAsync(ct);
        channels[0].Length.Should().Be(2, "only the port header arrives from a sink");
        channels[1].Length.Should().Be(2, "no error is reported");
    }

    private static byte[] PortBytes(int port)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)port);
        return bytes;
    }
}
