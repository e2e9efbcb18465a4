using System.Text;
using FluentAssertions;
using k8s;
using k8s.Models;
using Xunit;

namespace Kube.Access.Testing.Tests.Streaming;

/// <summary>KubernetesClient's own WebSocket port-forward and exec (v4.channel.k8s.io) against the subresources.</summary>
public sealed class KubernetesClientInteropTests : IAsyncLifetime
{
    private KubeApiEmulator _host = null!;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KubeApiEmulator.StartAsync();
        _host.AddPod("default", "mongo-75f59d57f4-4nd6q", null, "Running", new V1Container { Name = "mongo", Image = "mongo:4.4" });
        _host.BindPodPort("default", "mongo-75f59d57f4-4nd6q", 27017, PodBackend.Echo);
        _client = new Kubernetes(new KubernetesClientConfiguration { Host = _host.Url.ToString() });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Port_forward_through_the_StreamDemuxer_echoes()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var ws = await _client.WebSocketNamespacedPodPortForwardAsync("mongo-75f59d57f4-4nd6q", "default", [27017], "v4.channel.k8s.io", cancellationToken: cts.Token);
        using var demux = new StreamDemuxer(ws, StreamType.PortForward);
        demux.Start();
        using var stream = demux.GetStream((byte?)0, (byte?)0);

        var message = Encoding.ASCII.GetBytes("db.runCommand({ping: 1})");
        await stream.WriteAsync(message, cts.Token);
        var received = new byte[message.Length];
        var total = 0;
        while (total < received.Length)
        {
            var n = await stream.ReadAsync(received.AsMemory(total), cts.Token);
            n.Should().BePositive();
            total += n;
        }

        received.Should().Equal(message);
    }

    [Fact]
    public async Task Exec_reports_stdout_and_the_exit_code()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        string? stdout = null;
        var code = await _client.NamespacedPodExecAsync("mongo-75f59d57f4-4nd6q", "default", "mongo", ["sh", "-c", "echo from-mongo; exit 3"], false,
            async (_, output, _) => stdout = await new StreamReader(output).ReadToEndAsync(cts.Token), cts.Token);
        code.Should().Be(3);
        stdout.Should().Be("from-mongo\n");
    }
}
