using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Kube.Access.Proxy;
using Kube.Access.Testing;

namespace Kube.Access.Benchmarks.Proxy;

/// <summary>
/// Throughput of GETs (16 parallel clients, 512 requests per operation) straight to the emulator (baseline),
/// through <c>kubectl proxy</c> and through our <see cref="LocalApiProxy"/>, all in one run against one
/// plain-HTTP emulator. Requests/s = 512 / mean.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class LocalApiProxyBenchmarks
{
    private const int Requests = 512;
    private const int Clients = 16;
    private const string Path = "api/v1/namespaces/default/configmaps/kube-root-ca.crt";

    private KubeApiEmulator _api = null!;
    private KubeConnection _connection = null!;
    private LocalApiProxyServer _ours = null!;
    private Process _kubectl = null!;
    private string _kubeconfig = null!;
    private HttpClient _direct = null!;
    private HttpClient _viaKubectl = null!;
    private HttpClient _viaOurs = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { RecordRequests = false });
        _kubeconfig = System.IO.Path.GetTempFileName();
        _api.WriteKubeconfig(_kubeconfig);
        _connection = new KubeConnection(new KubeEndpoint { Server = _api.Url, Credentials = new StaticCredentialSource(KubeCredential.FromToken(_api.DefaultToken)) });
        _ours = await new LocalApiProxy().StartAsync(_connection, new LocalApiProxyOptions { Port = 0 });

        var info = new ProcessStartInfo("kubectl", ["--kubeconfig", _kubeconfig, "proxy", "--port=0"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        _kubectl = Process.Start(info)!;
        var line = await _kubectl.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("kubectl proxy printed nothing");
        var kubectlPort = int.Parse(line[(line.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

        _direct = Client(_api.Url, _api.DefaultToken);
        _viaKubectl = Client(new Uri($"http://127.0.0.1:{kubectlPort}/"), null);
        _viaOurs = Client(_ours.Url!, null);
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

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _direct.Dispose();
        _viaKubectl.Dispose();
        _viaOurs.Dispose();
        _kubectl.Kill(entireProcessTree: true);
        await _kubectl.WaitForExitAsync();
        _kubectl.Dispose();
        await _ours.DisposeAsync();
        await _connection.DisposeAsync();
        await _api.DisposeAsync();
        File.Delete(_kubeconfig);
    }

    /// <summary>Straight to the emulator: the upper bound.</summary>
    [Benchmark(Baseline = true)]
    public Task Direct() => RunAsync(_direct);

    /// <summary>Through <c>kubectl proxy</c>.</summary>
    [Benchmark]
    public Task KubectlProxy() => RunAsync(_viaKubectl);

    /// <summary>Through our local API proxy.</summary>
    [Benchmark]
    public Task OurProxy() => RunAsync(_viaOurs);

    private static async Task RunAsync(HttpClient client)
    {
        var next = 0;
        var workers = new Task[Clients];
        for (var i = 0; i < Clients; i++)
        {
            workers[i] = Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) <= Requests)
                {
                    using var response = await client.GetAsync(Path, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                    response.EnsureSuccessStatusCode();
                    await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                    await body.CopyToAsync(Stream.Null).ConfigureAwait(false);
                }
            });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }
}
