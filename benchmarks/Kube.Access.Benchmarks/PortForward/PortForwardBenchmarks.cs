using System.Buffers;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using k8s;
using Kube.Access.PortForward;
using Kube.Access.Testing;

namespace Kube.Access.Benchmarks.PortForward;

/// <summary>
/// Port-forward hot path against the emulator in a child process (guide scenario, mongo pod port bound
/// to an echo server in that child, see <see cref="OutOfProcessEmulator"/>), so that MemoryDiagnoser
/// counts the client's allocations only: Kube.Access vs a plain in-process TCP relay to the same echo
/// server (the ceiling) vs KubernetesClient's WebSocketNamespacedPodPortForwardAsync +
/// StreamDemuxer wired to a local listener as its port-forward example does.
/// Bulk operations open N connections and move M MiB through each, both ways at once (echo).
/// Latency: connect, 1 byte there and back, close.
/// </summary>
public abstract class PortForwardBenchmarkBase
{
    private PortForwardTargets _targets = null!;

    protected IPEndPoint RelayEndPoint => _targets.Relay;

    protected IPEndPoint KubeAccessEndPoint => _targets.KubeAccess;

    protected IPEndPoint KubernetesClientEndPoint => _targets.KubernetesClient;

    [GlobalSetup]
    public async Task SetupAsync() => _targets = await PortForwardTargets.StartAsync();

    [GlobalCleanup]
    public async Task CleanupAsync() => await _targets.DisposeAsync();
}

/// <summary>Bulk throughput: each operation moves <see cref="MiBPerConnection"/> MiB each way over each of <see cref="Connections"/> connections.</summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class PortForwardBulkBenchmarks : PortForwardBenchmarkBase
{
    private readonly byte[] _payload = BulkDriver.CreatePayload();

    /// <summary>Concurrent connections per bulk operation.</summary>
    [Params(1, 16)]
    public int Connections { get; set; }

    /// <summary>MiB moved each way per connection.</summary>
    public int MiBPerConnection => Connections == 1 ? 16 : 2;

    [Benchmark(Baseline = true, Description = "plain TCP relay")]
    public Task Relay() => BulkAsync(RelayEndPoint);

    [Benchmark(Description = "Kube.Access")]
    public Task KubeAccess() => BulkAsync(KubeAccessEndPoint);

    [Benchmark(Description = "KubernetesClient")]
    public Task KubernetesClient() => BulkAsync(KubernetesClientEndPoint);

    private Task BulkAsync(IPEndPoint endPoint) => BulkDriver.RunAsync(endPoint, Connections, MiBPerConnection, _payload);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(15).WithInvocationCount(1).WithUnrollFactor(1).WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(4), logOutput: true)).WithId("Bulk"));
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
        // A stalled implementation fails its benchmark instead of hanging the run.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, timeout.Token);
        var one = new byte[1] { 42 };
        await socket.SendAsync(one, SocketFlags.None, timeout.Token);
        if (await socket.ReceiveAsync(one, SocketFlags.None, timeout.Token) != 1)
        {
            throw new InvalidOperationException("no echo");
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(15).WithInvocationCount(16).WithUnrollFactor(1).WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(4), logOutput: true)).WithId("Latency"));
        }
    }
}
