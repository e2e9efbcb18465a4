using System.Diagnostics;
using System.Globalization;
using Kube.Access.Proxy;
using Kube.Access.Testing;

namespace Kube.Access.Benchmarks.Proxy;

/// <summary>
/// Requests/s and per-request latency percentiles (p50/p90/p99/max) of the same GET straight to the
/// emulator, through <c>kubectl proxy</c> and through our <see cref="LocalApiProxy"/>, in one run:
/// <c>Kube.Access.Benchmarks.dll proxy-harness [requests per round] [rounds]</c>. The three paths take
/// turns round by round (so machine load hits them alike); 16 clients in parallel, every request timed.
/// </summary>
internal static class ProxyLatencyHarness
{
    public const string Command = "proxy-harness";
    private const int Clients = 16;
    private const string Path = "api/v1/namespaces/default/configmaps/kube-root-ca.crt";

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4096;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;

        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { RecordRequests = false });
        var kubeconfig = System.IO.Path.GetTempFileName();
        Process? kubectl = null;
        try
        {
            api.WriteKubeconfig(kubeconfig);
            await using var connection = new KubeConnection(new KubeEndpoint { Server = api.Url, Credentials = new StaticCredentialSource(KubeCredential.FromToken(api.DefaultToken)) });
            await using var ours = await new LocalApiProxy().StartAsync(connection, new LocalApiProxyOptions { Port = 0 });
            kubectl = Process.Start(new ProcessStartInfo("kubectl", ["--kubeconfig", kubeconfig, "proxy", "--port=0"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var line = await kubectl.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("kubectl proxy printed nothing");
            var kubectlPort = int.Parse(line[(line.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

            var paths = new (string Name, HttpClient Client)[]
            {
                ("direct to the emulator", Client(api.Url, api.DefaultToken)),
                ("kubectl proxy", Client(new Uri($"http://127.0.0.1:{kubectlPort}/"), null)),
                ("our LocalApiProxy", Client(ours.Url!, null)),
            };
            var latencies = paths.Select(_ => new List<long>(requests * rounds)).ToArray();
            var elapsed = new TimeSpan[paths.Length];
            foreach (var (_, client) in paths)
            {
                await RunAsync(client, Math.Min(requests, 512), null);
            }

            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < paths.Length; i++)
                {
                    var times = new long[requests];
                    var watch = Stopwatch.StartNew();
                    await RunAsync(paths[i].Client, requests, times);
                    elapsed[i] += watch.Elapsed;
                    latencies[i].AddRange(times);
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{requests} GETs x {rounds} rounds per path, {Clients} parallel clients, {Environment.ProcessorCount} cores"));
            Console.WriteLine("| Path | requests/s | p50 | p90 | p99 | max |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            for (var i = 0; i < paths.Length; i++)
            {
                var sorted = latencies[i].Order().ToArray();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {paths[i].Name} | {requests * rounds / elapsed[i].TotalSeconds:F0} | {Ms(sorted, 0.50)} | {Ms(sorted, 0.90)} | {Ms(sorted, 0.99)} | {Ms(sorted, 1.0)} |"));
                paths[i].Client.Dispose();
            }

            return 0;
        }
        finally
        {
            if (kubectl is not null)
            {
                kubectl.Kill(entireProcessTree: true);
                await kubectl.WaitForExitAsync();
                kubectl.Dispose();
            }

            File.Delete(kubeconfig);
        }
    }

    private static string Ms(long[] sorted, double quantile)
    {
        var index = Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1);
        return string.Create(CultureInfo.InvariantCulture, $"{sorted[index] * 1000.0 / Stopwatch.Frequency:F2} ms");
    }

    private static HttpClient Client(Uri baseAddress, string? token)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients }) { BaseAddress = baseAddress };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    private static async Task RunAsync(HttpClient client, int requests, long[]? times)
    {
        var next = -1;
        var workers = new Task[Clients];
        for (var w = 0; w < Clients; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < requests)
                {
                    var start = Stopwatch.GetTimestamp();
                    using var response = await client.GetAsync(Path, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                    response.EnsureSuccessStatusCode();
                    await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                    await body.CopyToAsync(Stream.Null).ConfigureAwait(false);
                    if (times is not null)
                    {
                        times[i] = Stopwatch.GetTimestamp() - start;
                    }
                }
            });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }
}
