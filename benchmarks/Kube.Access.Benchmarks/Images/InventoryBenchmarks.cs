using System.Diagnostics;
using BenchmarkDotNet.Attributes;

using Kube.Access.Images;
using Kube.Access.Testing;

namespace Kube.Access.Benchmarks.Images;

/// <summary>
/// The guide's "count every image in the cluster" end to end against the in-process emulator:
/// <c>kubectl get pods -A -o jsonpath=... | tr | sort | uniq -c</c> (the baseline: kubectl, counting its
/// output in-process) vs <see cref="ImageInventory.CountAsync"/>, both paging with limit=500.
/// Set KUBE_ACCESS_BENCH_PODS to change the cluster size (default 150000).
/// </summary>
[MemoryDiagnoser]

public class InventoryBenchmarks
{
    private KubeApiEmulator _api = null!;
    private KubeConnection _connection = null!;
    private string _kubeconfig = null!;

    [GlobalSetup]
    public void Setup()
    {
        int pods = int.TryParse(Environment.GetEnvironmentVariable("KUBE_ACCESS_BENCH_PODS"), out int n) ? n : 150_000;
        _api = KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { SyntheticPods = pods, RecordRequests = false }).GetAwaiter().GetResult();
        _kubeconfig = Path.Combine(Path.GetTempPath(), "kube-access-bench-" + Guid.NewGuid().ToString("N"));
        _api.WriteKubeconfig(_kubeconfig);
        _connection = new KubeConnection(new KubeEndpoint
        {
            Server = _api.Url,
            Credentials = new StaticCredentialSource(KubeCredential.FromToken(_api.DefaultToken)),
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _api.DisposeAsync().AsTask().GetAwaiter().GetResult();
        File.Delete(_kubeconfig);
    }

    /// <summary>Largest peak resident set of a kubectl run (KiB, from /usr/bin/time -f %M).</summary>
    public static long KubectlPeakKib { get; private set; }

    /// <summary>Largest managed heap seen while the inventory ran (bytes, sampled every 10 ms).</summary>
    public static long InventoryPeakManagedBytes { get; private set; }

    [Benchmark(Baseline = true, Description = "kubectl get pods -A -o jsonpath | sort | uniq -c")]
    public async Task<int> Kubectl()
    {
        var psi = new ProcessStartInfo("/usr/bin/time", ["-f", "%M", "kubectl", "--kubeconfig", _kubeconfig, "get", "pods", "-A", "-o", "jsonpath={.items[*].spec.containers[*].image}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(psi)!;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var stderr = process.StandardError.ReadToEndAsync();
        string all = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length > 0 && long.TryParse(lines[^1].Trim(), out long kib))
        {
            KubectlPeakKib = Math.Max(KubectlPeakKib, kib);
            Console.WriteLine($"// kubectl peak RSS: {kib / 1024} MiB (max so far {KubectlPeakKib / 1024} MiB)");
        }
        foreach (var image in all.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            counts[image] = counts.TryGetValue(image, out int c) ? c + 1 : 1;
        }

        return counts.Count;
    }

    [Benchmark(Description = "ImageInventory.CountAsync")]
    public async Task<int> Inventory()
    {
        using var stop = new CancellationTokenSource();
        long baseline = GC.GetTotalMemory(false);
        long peak = 0;
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Delay(10);
            }
        });
        int count = (await new ImageInventory(_connection).CountAsync(ImageQuery.AllNamespaces)).Count;
        stop.Cancel();
        await sampler;
        InventoryPeakManagedBytes = Math.Max(InventoryPeakManagedBytes, peak - baseline);
        Console.WriteLine($"// inventory peak managed heap above baseline: {(peak - baseline) / (1024 * 1024)} MiB (whole process heap peak {peak / (1024 * 1024)} MiB, includes the in-process emulator)");
        return count;
    }
}
