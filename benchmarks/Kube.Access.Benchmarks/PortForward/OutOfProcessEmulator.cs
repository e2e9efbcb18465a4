using System.Diagnostics;
using System.Globalization;
using System.Net;
using k8s;
using Kube.Access.Testing;

namespace Kube.Access.Benchmarks.PortForward;

/// <summary>
/// The emulator (guide scenario) and the echo server in a child process, so that the benchmark
/// process's allocations (MemoryDiagnoser, <see cref="GC.GetTotalAllocatedBytes(bool)"/>) are the
/// client's only and the emulator's server side does not share the client's GC heap.
/// The child is this benchmark assembly started with <see cref="HostCommand"/>; it prints one line
/// <c>READY url token pod echoEndPoint</c> and exits when its stdin closes.
/// </summary>
internal sealed class OutOfProcessEmulator : IAsyncDisposable
{
    public const string HostCommand = "pf-emulator-host";
    public const int EchoPort = 27017;

    private readonly Process _process;

    private OutOfProcessEmulator(Process process, Uri url, string token, string pod, IPEndPoint echo)
    {
        _process = process;
        Url = url;
        Token = token;
        Pod = pod;
        Echo = echo;
    }

    public Uri Url { get; }

    public string Token { get; }

    /// <summary>The guide's mongo pod; its port 27017 is bound to <see cref="Echo"/>.</summary>
    public string Pod { get; }

    /// <summary>The echo server in the child process (the relay baseline's target).</summary>
    public IPEndPoint Echo { get; }

    /// <summary>CPU time used by the child process so far.</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<OutOfProcessEmulator> StartAsync()
    {
        var self = typeof(OutOfProcessEmulator).Assembly.Location;
        var info = new ProcessStartInfo("dotnet", [self, HostCommand])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the emulator host");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the emulator host exited before it was ready");
            if (line.StartsWith("READY ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                return new OutOfProcessEmulator(process, new Uri(parts[1]), parts[2], parts[3], IPEndPoint.Parse(parts[4]));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (Exception)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    /// <summary>The child's side: emulator + echo server until stdin closes.</summary>
    public static async Task<int> RunHostAsync()
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Scenario = EmulatorScenario.Guide, RecordRequests = false });
        await using var echo = new EchoServer();
        await using (var connection = new KubeConnection(new KubeEndpoint
        {
            Server = api.Url,
            Credentials = new StaticCredentialSource(KubeCredential.FromToken(api.DefaultToken)),
        }))
        {
            var pods = await connection.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app.kubernetes.io/name=mongo");
            var pod = pods.Items[0].Metadata.Name;
            api.BindPodPort("default", pod, EchoPort, echo.EndPoint);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"READY {api.Url} {api.DefaultToken} {pod} {echo.EndPoint}"));
            Console.Out.Flush();
        }

        // Until the parent closes our stdin (or dies).
        while (await Console.In.ReadLineAsync() is not null)
        {
        }

        return 0;
    }
}
