using System.Buffers;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using k8s;
using Kube.Access.Connections;
using Kube.Access.PortForward;
using Kube.Access.Testing;

namespace Kube.Access.Benchmarks.PortForward;

/// <summary>
/// Port-forward hot path against the in-process emulator (guide scenario, mongo pod port bound to a
/// loopback echo server owned by the benchmark): Kube.Access vs a plain in-process TCP relay to the
/// same echo server (the ceiling) vs KubernetesClient's WebSocketNamespacedPodPortForwardAsync +
/// StreamDemuxer wired to a local listener as its port-forward example does.
/// Each bulk operation opens <see cref="Connections"/> connections and moves <see cref="MiBPerConnection"/>
/// MiB through each, both ways at once (echo). Latency: connect, 1 byte there and back, close.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class PortForwardBenchmarks
{
    private const int EchoPort = 27017;
    private KubeApiEmulator _api = null!;
    private IKubeConnection _connection = null!;
    private PortForwardSession _session = null!;
    private Kubernetes _kubernetesClient = null!;
    private EchoServer _echo = null!;
    private TcpRelay _relay = null!;
    private KubernetesClientForwarder _kc = null!;
    private string _pod = null!;
    private byte[] _payload = null!;

    /// <summary>Concurrent connections per bulk operation.</summary>
    [Params(1, 16)]
    public int Connections { get; set; }

    /// <summary>MiB moved each way per connection.</summary>
    public int MiBPerConnection => Connections == 1 ? 32 : 4;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(8).WithInvocationCount(1).WithUnrollFactor(1).WithId("PortForward"));
        }
    }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Scenario = EmulatorScenario.Guide });
        _connection = new KubeConnection(new KubeEndpoint
        {
            Server = _api.Url,
            Credentials = new StaticCredentialSource(KubeCredential.FromToken(_api.DefaultToken)),
        });
        var pods = await _connection.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app.kubernetes.io/name=mongo");
        _pod = pods.Items[0].Metadata.Name;
        _echo = new EchoServer();
        _api.BindPodPort("default", _pod, EchoPort, _echo.EndPoint);
        _relay = new TcpRelay(_echo.EndPoint);
        _session = await new PortForwarder(_connection).StartAsync(PortForwardTarget.Pod(_pod, "default"), [PortMapping.Create(0, EchoPort)], new PortForwardOptions { Addresses = ["127.0.0.1"] });
        _kubernetesClient = new Kubernetes(new KubernetesClientConfiguration { Host = _api.Url.ToString(), AccessToken = _api.DefaultToken });
        _kc = new KubernetesClientForwarder(_kubernetesClient, _pod, EchoPort);
        _payload = new byte[1024 * 1024];
        new Random(7).NextBytes(_payload);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _session.DisposeAsync();
        await _kc.DisposeAsync();
        await _relay.DisposeAsync();
        _kubernetesClient.Dispose();
        await _connection.DisposeAsync();
        await _echo.DisposeAsync();
        await _api.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "plain TCP relay")]
    [BenchmarkCategory("bulk")]
    public Task Bulk_Relay() => BulkAsync(_relay.EndPoint);

    [Benchmark(Description = "Kube.Access")]
    [BenchmarkCategory("bulk")]
    public Task Bulk_KubeAccess() => BulkAsync(_session.Ports[0].LocalEndPoint);

    [Benchmark(Description = "KubernetesClient")]
    [BenchmarkCategory("bulk")]
    public Task Bulk_KubernetesClient() => BulkAsync(_kc.EndPoint);

    [Benchmark(Baseline = true, Description = "plain TCP relay")]
    [BenchmarkCategory("new connection")]
    public Task Latency_Relay() => RoundTripAsync(_relay.EndPoint);

    [Benchmark(Description = "Kube.Access")]
    [BenchmarkCategory("new connection")]
    public Task Latency_KubeAccess() => RoundTripAsync(_session.Ports[0].LocalEndPoint);

    [Benchmark(Description = "KubernetesClient")]
    [BenchmarkCategory("new connection")]
    public Task Latency_KubernetesClient() => RoundTripAsync(_kc.EndPoint);

    private Task BulkAsync(IPEndPoint endPoint) =>
        Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => Task.Run(() => OneConnectionAsync(endPoint))));

    private async Task OneConnectionAsync(IPEndPoint endPoint)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        var total = (long)MiBPerConnection * _payload.Length;
        var send = Task.Run(async () =>
        {
            for (var i = 0; i < MiBPerConnection; i++)
            {
                await socket.SendAsync(_payload, SocketFlags.None);
            }
        });
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long received = 0;
            while (received < total)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                if (n == 0)
                {
                    throw new InvalidOperationException($"stream ended after {received} of {total} bytes");
                }

                received += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await send;
    }

    private static async Task RoundTripAsync(IPEndPoint endPoint)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        var one = new byte[1] { 42 };
        await socket.SendAsync(one, SocketFlags.None);
        if (await socket.ReceiveAsync(one, SocketFlags.None) != 1)
        {
            throw new InvalidOperationException("no echo");
        }
    }
}
