using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using Xunit;

namespace Kube.Access.Testing.Tests.Streaming;

/// <summary>The guide scenario over HTTPS with a bearer token: mongo's 27017 echoes, attach gets a shell.</summary>
public sealed class GuideScenarioStreamingTests : IAsyncLifetime
{
    private KubeApiEmulator _api = null!;

    public async Task InitializeAsync() =>
        _api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = true, Scenario = EmulatorScenario.Guide });

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private async Task<ChannelClient> ConnectAsync(string pathAndQuery, string protocol, CancellationToken ct, string? token)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(protocol);
        socket.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        await socket.ConnectAsync(new Uri($"wss://{_api.Url.Authority}{pathAndQuery}"), ct);
        return ChannelClient.Wrap(socket);
    }

    private string MongoPod() => _api.ListNames("pods", "default").Single(n => n.StartsWith("mongo-", StringComparison.Ordinal));

    [Fact]
    public async Task Mongo_27017_echoes_through_port_forward_over_https()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var client = await ConnectAsync($"/api/v1/namespaces/default/pods/{MongoPod()}/portforward?ports=27017", "v4.channel.k8s.io", cts.Token, _api.DefaultToken);
        var port = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(port, 27017);
        (await client.ReceiveAsync(cts.Token))!.Value.Payload.Should().Equal(port);
        (await client.ReceiveAsync(cts.Token))!.Value.Payload.Should().Equal(port);
        await client.SendAsync(0, "isMaster"u8, cts.Token);
        var frame = await client.ReceiveAsync(cts.Token);
        frame!.Value.Channel.Should().Be(0);
        Encoding.ASCII.GetString(frame.Value.Payload).Should().Be("isMaster");
    }

    [Fact]
    public async Task Without_a_token_the_upgrade_is_refused()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var act = () => ConnectAsync($"/api/v1/namespaces/default/pods/{MongoPod()}/portforward?ports=27017", "v4.channel.k8s.io", cts.Token, null);
        await act.Should().ThrowAsync<WebSocketException>();
    }

    [Fact]
    public async Task Attach_with_a_tty_gives_the_shell_prompt()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var pod = MongoPod();
        await using var client = await ConnectAsync($"/api/v1/namespaces/default/pods/{pod}/attach?container=mongo&stdin=true&stdout=true&tty=true", "v5.channel.k8s.io", cts.Token, _api.DefaultToken);
        await client.SendAsync(0, "echo attached\r"u8, cts.Token);
        await client.SendAsync(255, [0], cts.Token);
        var channels = await client.ReadToCloseAsync(cts.Token);
        Encoding.UTF8.GetString(channels[1].ToArray()).Should().Be($"root@{pod}:/# echo attached\r\nattached\r\nroot@{pod}:/# exit\r\n");
    }
}
