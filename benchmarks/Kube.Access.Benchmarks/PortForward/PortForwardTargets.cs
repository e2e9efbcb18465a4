using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s;
using Kube.Access.PortForward;

namespace Kube.Access.Benchmarks.PortForward;

/// <summary>
/// The three ways to reach the echo server compared in one run, each a local TCP listener in this
/// process: a plain TCP relay straight to the echo server (the ceiling), Kube.Access's port-forward
/// and KubernetesClient's WebSocket port-forward, both through the out-of-process emulator.
/// </summary>
internal sealed class PortForwardTargets : IAsyncDisposable
{
    private OutOfProcessEmulator _emulator = null!;
    private IKubeConnection _connection = null!;
    private PortForwardSession _session = null!;
    private Kubernetes _kubernetesClient = null!;
    private TcpRelay _relay = null!;
    private KubernetesClientForwarder _kc = null!;

    public IPEndPoint Relay => _relay.EndPoint;

    public IPEndPoint KubeAccess => _session.Ports[0].LocalEndPoint;

    public IPEndPoint KubernetesClient => _kc.EndPoint;

    public TimeSpan EmulatorCpu => _emulator.Cpu;

    public static async Task<PortForwardTargets> StartAsync()
    {
        var t = new PortForwardTargets();
        t._emulator = await OutOfProcessEmulator.StartAsync();
        t._connection = new KubeConnection(new KubeEndpoint
        {
            Server = t._emulator.Url,
            Credentials = new StaticCredentialSource(KubeCredential.FromToken(t._emulator.Token)),
        });
        t._relay = new TcpRelay(t._emulator.Echo);
        t._session = await new PortForwarder(t._connection).StartAsync(
            PortForwardTarget.Pod(t._emulator.Pod, "default"),
            [PortMapping.Create(0, OutOfProcessEmulator.EchoPort)],
            new PortForwardOptions
            {
                Addresses = ["127.0.0.1"],
                BufferSize = int.TryParse(Environment.GetEnvironmentVariable("PF_BUFFER"), out var b) ? b : new PortForwardOptions().BufferSize,
                MaxBufferedBytes = int.TryParse(Environment.GetEnvironmentVariable("PF_MAXBUF"), out var m) ? m : new PortForwardOptions().MaxBufferedBytes,
            });
        t._kubernetesClient = new Kubernetes(new KubernetesClientConfiguration { Host = t._emulator.Url.ToString(), AccessToken = t._emulator.Token });
        t._kc = new KubernetesClientForwarder(t._kubernetesClient, t._emulator.Pod, OutOfProcessEmulator.EchoPort);
        return t;
    }

    public async ValueTask DisposeAsync()
    {
        await _session.DisposeAsync();
        await _kc.DisposeAsync();
        await _relay.DisposeAsync();
        _kubernetesClient.Dispose();
        await _connection.DisposeAsync();
        await _emulator.DisposeAsync();
    }
}

/// <summary>The load: N connections, each sending M MiB and reading the echo back at the same time.</summary>
internal static class BulkDriver
{
    public static byte[] CreatePayload()
    {
        var payload = new byte[1024 * 1024];
        new Random(7).NextBytes(payload);
        return payload;
    }

    public static Task RunAsync(IPEndPoint endPoint, int connections, int mibPerConnection, byte[] payload) =>
        Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(() => OneConnectionAsync(endPoint, mibPerConnection, payload))));

    private static async Task OneConnectionAsync(IPEndPoint endPoint, int mib, byte[] payload)
    {
        // A stalled implementation fails its benchmark instead of hanging the run.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, ct);
        var total = (long)mib * payload.Length;
        var send = Task.Run(async () =>
        {
            for (var i = 0; i < mib; i++)
            {
                await socket.SendAsync(payload, SocketFlags.None, ct);
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
}

/// <summary>
/// A quick throughput harness (no BenchmarkDotNet): <c>Kube.Access.Benchmarks.dll pf-harness [connections] [MiB per connection] [rounds] [kc]</c>.
/// Prints MiB/s (each way) and bytes allocated in this process per MiB moved (both ways counted).
/// </summary>
internal static class PortForwardHarness
{
    public const string Command = "pf-harness";

    public static async Task<int> RunAsync(string[] args)
    {
        var connections = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var mib = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;
        var rounds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;
        var withKc = args.Length > 4 && args[4] == "kc";
        var payload = BulkDriver.CreatePayload();
        await using var targets = await PortForwardTargets.StartAsync();
        var cases = new List<(string Name, IPEndPoint EndPoint)> { ("relay", targets.Relay), ("Kube.Access", targets.KubeAccess) };
        if (withKc)
        {
            cases.Add(("KubernetesClient", targets.KubernetesClient));
        }

        foreach (var (name, endPoint) in cases)
        {
            await BulkDriver.RunAsync(endPoint, connections, Math.Max(1, mib / 8), payload);
        }

        using var sampler = Environment.GetEnvironmentVariable("PF_ALLOC") == "1" ? new AllocationSampler() : null;

        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, endPoint) in cases)
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var childBefore = targets.EmulatorCpu;
                var watch = Stopwatch.StartNew();
                try
                {
                    await BulkDriver.RunAsync(endPoint, connections, mib, payload);
                }
                catch (Exception ex)
                {
                    Console.WriteLine($"{name,-18} failed: {ex.GetType().Name} {ex.Message}");
                    continue;
                }

                var elapsed = watch.Elapsed;
                var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                var childCpu = targets.EmulatorCpu - childBefore;
                var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
                var moved = 2.0 * connections * mib;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-18} {connections} conn x {mib} MiB: {elapsed.TotalMilliseconds,8:F0} ms  {connections * mib / elapsed.TotalSeconds,8:F1} MiB/s each way  {allocated / moved,10:F0} B allocated per MiB moved  cpu {cpu.TotalMilliseconds:F0} ms here, {childCpu.TotalMilliseconds:F0} ms emulator"));
            }
        }

        sampler?.Print();
        return 0;
    }
}

/// <summary>Samples allocations by type (the runtime's GCAllocationTick event, about one per 100 KB).</summary>
internal sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _bytes = new();

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (e.EventName == "GCAllocationTick_V4" && e.Payload is { } p)
        {
            var type = e.PayloadNames!.IndexOf("TypeName") is var i and >= 0 ? p[i] as string ?? "?" : "?";
            _bytes.AddOrUpdate(type, 1, (_, v) => v + 1);
        }
    }

    public void Print()
    {
        foreach (var (type, ticks) in _bytes.OrderByDescending(kv => kv.Value).Take(25))
        {
            Console.WriteLine($"  {ticks,6} ticks  {type}");
        }
    }
}
