using System.Buffers;
using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using k8s;
using Kube.Access.Benchmarks.PortForward;
using Kube.Access.Exec;

namespace Kube.Access.Benchmarks.Exec;

/// <summary>
/// Exec hot path: <see cref="MiB"/> MiB through <c>cat</c> in the guide's mongo pod (stdin to stdout and back
/// to the client), on the emulator running in a child process so the allocations measured are the client's.
/// Kube.Access writes stdin, closes it (v5 close frame) and reads stdout to its end, then waits for the exit
/// status. KubernetesClient's <c>WebSocketNamespacedPodExecAsync</c> + <c>StreamDemuxer</c> cannot close
/// stdin (kubernetes-client/csharp issues 1723, 397), so its run reads stdout until every byte has arrived
/// and then drops the connection.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class ExecCatBenchmarks
{
    /// <summary>MiB pushed through cat per operation.</summary>
    public const int MiB = 64;

    private const int Chunk = 32 * 1024;
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromMinutes(2);

    private readonly byte[] _chunk = CreateChunk();
    private long _bytes = (long)MiB * 1024 * 1024;
    private OutOfProcessEmulator _emulator = null!;
    private KubeConnection _connection = null!;
    private PodExec _exec = null!;
    private Kubernetes _kubernetesClient = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        await StartClientsAsync();

        // Both clients must really move the bytes before anything is timed.
        var ours = await KubeAccessAsync();
        var theirs = await KubernetesClientAsync();
        if (ours != _bytes || theirs != ours)
        {
            throw new InvalidOperationException($"cat returned {ours} bytes to Kube.Access and {theirs} to KubernetesClient, expected {MiB} MiB");
        }
    }

    /// <summary>The emulator in its child process and one client of each kind pointed at it.</summary>
    private async Task StartClientsAsync()
    {
        _emulator = await OutOfProcessEmulator.StartAsync();
        _connection = new KubeConnection(new KubeEndpoint
        {
            Server = _emulator.Url,
            Credentials = new StaticCredentialSource(KubeCredential.FromToken(_emulator.Token)),
        });
        _exec = new PodExec(_connection);
        _kubernetesClient = new Kubernetes(new KubernetesClientConfiguration { Host = _emulator.Url.ToString(), AccessToken = _emulator.Token });
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _kubernetesClient.Dispose();
        await _connection.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "KubernetesClient (WebSocket exec + StreamDemuxer)")]
    public Task<long> KubernetesClient() => KubernetesClientAsync();

    // KubernetesClient's demuxed stream does not observe cancellation: a stalled transfer is abandoned after
    // the operation timeout (the socket is aborted) and reported as a failure instead of hanging the run.
    private Task<long> KubernetesClientAsync() => KubernetesClientCoreAsync().WaitAsync(OperationTimeout + TimeSpan.FromSeconds(5));

    [Benchmark(Description = "Kube.Access (ExecSession, stdin closed)")]
    public Task<long> KubeAccess() => KubeAccessAsync();

    private async Task<long> KubeAccessAsync()
    {
        using var timeout = new CancellationTokenSource(OperationTimeout);
        var ct = timeout.Token;
        await using var session = await _exec.StartAsync(new ExecRequest
        {
            Namespace = "default",
            Pod = _emulator.Pod,
            Command = ["cat"],
            Stdin = true,
            Stdout = true,
            Stderr = true,
        }, ct);

        var writer = Task.Run(async () =>
        {
            for (var sent = 0L; sent < _bytes; sent += Chunk)
            {
                await session.WriteStdinAsync(_chunk, ct);
            }

            await session.CloseStdinAsync(ct);
        }, ct);

        long received = 0;
        var stdout = session.Stdout;
        while (true)
        {
            var result = await stdout.ReadAsync(ct);
            received += result.Buffer.Length;
            stdout.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await writer;
        var exit = await session.WaitForExitAsync(ct);
        return exit.ExitCode == 0 ? received : throw new InvalidOperationException($"cat exited with {exit.ExitCode}");
    }

    private async Task<long> KubernetesClientCoreAsync()
    {
        using var timeout = new CancellationTokenSource(OperationTimeout);
        var ct = timeout.Token;
        using var socket = await _kubernetesClient.WebSocketNamespacedPodExecAsync(
            _emulator.Pod, "default", ["cat"], container: null, stderr: true, stdin: true, stdout: true, tty: false, cancellationToken: ct);
        using var abortOnTimeout = ct.Register(socket.Abort);
        using var demuxer = new StreamDemuxer(socket, StreamType.RemoteCommand);
        demuxer.Start();
        // Reads channel 1 (stdout), writes channel 0 (stdin), as its exec example wires them. Its muxed stream
        // implements only the blocking Read/Write: the inherited ReadAsync/WriteAsync share one semaphore, so an
        // async read waiting for output blocks the async write that would produce it (measured: 0 bytes in 120 s).
        // Like its example, each direction gets its own blocking thread.
        using var stream = demuxer.GetStream(ChannelIndex.StdOut, ChannelIndex.StdIn);
        var total = _bytes;
        var writer = Task.Factory.StartNew(() =>
        {
            for (var sent = 0L; sent < total; sent += Chunk)
            {
                stream.Write(_chunk, 0, _chunk.Length);
            }
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var reader = Task.Factory.StartNew(() =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                long received = 0;
                while (received < total)
                {
                    var read = stream.Read(buffer, 0, buffer.Length);
                    if (read == 0)
                    {
                        throw new InvalidOperationException($"stdout ended after {received} bytes");
                    }

                    received += read;
                }

                return received;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            var received = await reader;
            await writer;
            return received;
        }
        finally
        {
            if (socket.State == WebSocketState.Open)
            {
                socket.Abort();
            }
        }
    }

    private static byte[] CreateChunk()
    {
        var chunk = new byte[Chunk];
        new Random(1234).NextBytes(chunk);
        return chunk;
    }

    /// <summary>
    /// <c>exec-harness [runs] [MiB]</c>: each client in turn without BenchmarkDotNet, printing seconds, MiB/s and
    /// allocated bytes per MiB (this process's allocations; the emulator runs in its child).
    /// </summary>
    public static async Task<int> RunHarnessAsync(string[] args)
    {
        var runs = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
        var bench = new ExecCatBenchmarks();
        await bench.StartClientsAsync();
        try
        {
            if (args.Length > 2 && int.TryParse(args[2], System.Globalization.CultureInfo.InvariantCulture, out var mib))
            {
                bench._bytes = (long)mib * 1024 * 1024;
            }

            foreach (var (name, run) in new (string, Func<Task<long>>)[] { ("Kube.Access", bench.KubeAccessAsync), ("KubernetesClient", bench.KubernetesClientAsync) })
            {
                for (var i = 0; i < runs; i++)
                {
                    var allocated = GC.GetTotalAllocatedBytes(precise: true);
                    var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                    var emulatorCpu = bench._emulator.Cpu;
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    try
                    {
                        var bytes = await run();
                        var seconds = clock.Elapsed.TotalSeconds;
                        var perMiB = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (bench._bytes / 1048576.0);
                        var clientMs = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
                        var emulatorMs = (bench._emulator.Cpu - emulatorCpu).TotalMilliseconds;
                        Console.WriteLine(System.FormattableString.Invariant($"{name} run {i + 1}: {bytes / 1048576.0:F1} MiB in {seconds:F2} s = {bytes / 1048576.0 / seconds:F1} MiB/s, {perMiB:F0} B allocated per MiB, cpu {clientMs:F0} ms client, {emulatorMs:F0} ms emulator"));
                    }
                    catch (Exception e)
                    {
                        Console.WriteLine(System.FormattableString.Invariant($"{name} run {i + 1}: failed after {clock.Elapsed.TotalSeconds:F1} s: {e.GetType().Name}: {e.Message}"));
                    }
                }
            }
        }
        finally
        {
            await bench.CleanupAsync();
        }

        return 0;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(15).WithInvocationCount(1).WithUnrollFactor(1)
                .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(10), logOutput: true)).WithId("ExecCat"));
        }
    }
}
