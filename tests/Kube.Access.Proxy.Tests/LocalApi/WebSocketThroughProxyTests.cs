using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using FluentAssertions;
using k8s;
using Kube.Access.Channels;
using Kube.Access.PortForward;
using Kube.Access.Proxy.Tests.Support;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Proxy.Tests.LocalApi;

/// <summary>WebSocket upgrades through our local API proxy: port-forward passes (both ways, intact), exec and attach are rejected by default.</summary>
public sealed class WebSocketThroughProxyTests
{
    [Fact]
    public async Task Our_port_forward_works_through_the_proxy_and_moves_data_both_ways_intact()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = cts.Token;
        await using var host = await EmulatorHost.StartAsync();
        await using var proxy = await new LocalApiProxy().StartAsync(host.Connection, new LocalApiProxyOptions { Port = 0 }, ct);
        // No credentials of our own: the proxy adds the user's upstream (as with kubectl proxy).
        await using var viaProxy = new KubeConnection(new KubeEndpoint { Server = proxy.Url!, Namespace = "default" });
        var pod = (await viaProxy.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app.kubernetes.io/name=mongo", cancellationToken: ct)).Items.Single().Metadata.Name;

        await using var session = await new PortForwarder(viaProxy).StartAsync($"pod/{pod}", [":27017"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, ct);
        var payload = new byte[8 * 1024 * 1024];
        new Random(5).NextBytes(payload);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(session.Ports[0].LocalEndPoint, ct);
        var send = Task.Run(async () =>
        {
            for (var offset = 0; offset < payload.Length;)
            {
                offset += await socket.SendAsync(payload.AsMemory(offset, Math.Min(256 * 1024, payload.Length - offset)), SocketFlags.None, ct);
            }

            socket.Shutdown(SocketShutdown.Send);
        }, ct);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long received = 0;
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            received += n;
        }

        await send;
        received.Should().Be(payload.Length);
        hash.GetHashAndReset().Should().Equal(SHA256.HashData(payload), "the echo came back through the proxy unchanged");
        host.Api.Requests.Should().Contain(r => r.PathAndQuery == $"/api/v1/namespaces/default/pods/{pod}/portforward?ports=27017", "the upgrade reached the API server through the proxy");
    }

    [Theory]
    [InlineData("exec?command=ls&stdout=true")]
    [InlineData("attach?stdout=true")]
    public async Task Exec_and_attach_upgrades_are_rejected_by_default_as_kubectl_proxy_does(string subresource)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = cts.Token;
        await using var host = await EmulatorHost.StartAsync();
        await using var proxy = await new LocalApiProxy().StartAsync(host.Connection, new LocalApiProxyOptions { Port = 0 }, ct);
        await using var viaProxy = new KubeConnection(new KubeEndpoint { Server = proxy.Url! });
        var pod = (await viaProxy.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app.kubernetes.io/name=mongo", cancellationToken: ct)).Items.Single().Metadata.Name;
        var path = $"/api/v1/namespaces/default/pods/{pod}/{subresource}";

        var upgrade = async () => await viaProxy.ConnectWebSocketAsync(path, [ChannelProtocols.V5, ChannelProtocols.V4], ct);

        (await upgrade.Should().ThrowAsync<KubeApiException>()).Which.StatusCode.Should().Be(403);
        host.Api.Requests.Should().NotContain(r => r.PathAndQuery.StartsWith($"/api/v1/namespaces/default/pods/{pod}/{subresource.Split('?')[0]}", StringComparison.Ordinal), "a rejected path never reaches the API server");
    }
}
