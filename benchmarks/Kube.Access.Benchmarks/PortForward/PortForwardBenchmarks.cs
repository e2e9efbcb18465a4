using System.Buffers;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
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
/// Bulk operations open N connections and move M MiB through each, both ways at once (echo).
/// Latency: connect, 1 byte there and back, close.
/// </summary>
public abstract class PortForwardBenchmarkBase
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

    protected IPEndPoint RelayEndPoint => _relay.EndPoint;

    protected IPEndPoint KubeAccessEndPoint => _session.Ports[0].LocalEndPoint;

    protected IPEndPoint KubernetesClientEndPoint => _kc.EndPoint;

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
}

/// <summary>Bulk throughput: each operation moves <see cref="MiBPerConnection"/> MiB each way over each of <see cref="Connections"/> connections.</summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class PortForwardBulkBenchmarks : PortForwardBenchmarkBase
{
    private readonly byte[] _payload = CreatePayload();

    /// <summary>Concurrent connections per bulk operation.</summary>
    [Params(1, 16)]
    public int Connections { get; set; }

    /// <summary>MiB moved each way per connection.</summary>
    public int MiBPerConnection => Connections == 1 ? 16 : 2;

    private static byte[] CreatePayload()
    {
        var payload = new byte[1024 * 1024];
        new Random(7).NextBytes(payload);
        return payload;
    }

    [Benchmark(Baseline = true, Description = "plain TCP relay")]
    public Task Relay() => BulkAsync(RelayEndPoint);

    [Benchmark(Description = "Kube.Access")]
    public Task KubeAccess() => BulkAsync(KubeAccessEndPoint);

    [Benchmark(Description = "KubernetesClient")]
    public Task KubernetesClient() => BulkAsync(KubernetesClientEndPoint);

    private Task BulkAsync(IPEndPoint endPoint) =>
        Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => Task.Run(() => OneConnectionAsync(endPoint))));

    private async Task OneConnectionAsync(IPEndPoint endPoint)
    {
        // A stalled implementation fails its benchmark instead of hanging the run.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, ct);
        var total = (long)MiBPerConnection * _payload.Length;
        var send = Task.Run(async () =>
        {
            for (var i = 0; i < MiBPerConnection; i++)
            {
                await socket.SendAsync(_payload, SocketFlags.None, ct);
            }
        });
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long received = 0;
            while (received < total)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, ct);
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

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(6).WithInvocationCount(1).WithUnrollFactor(1).WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(4), logOutput: true)).WithId("Bulk"));
        }
    }
}

/// <summary>New-connection latency: connect, one byte there and back, close.</summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class PortForwardLatencyBenchmarks : PortForwardBenchmarkBase
{
    [Benchmark(Baseline = true, Description = "plain TCP relay")]
    public Task Relay() => RoundTripAsync(RelayEndPoint);

    [Benchmark(Description = "Kube.Access")]
    public Task KubeAccess() => RoundTripAsync(KubeAccessEndPoint);

    [Benchmark(Description = "KubernetesClient")]
    public Task KubernetesClient() => RoundTripAsync(KubernetesClientEndPoint);

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

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(6).WithInvocationCount(16).WithUnrollFactor(1).WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(4), logOutput: true)).WithId("Latency"));
        }
    }
}
