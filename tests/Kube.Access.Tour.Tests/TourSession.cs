using Kube.Access.Cli.Tour;
using Kube.Access.Testing;

namespace Kube.Access.Tour.Tests;

/// <summary>A guide-scenario emulator, a connection for the test's own checks, and a chapter run against it.</summary>
public sealed class TourSession : IAsyncDisposable
{
    private readonly DirectoryInfo _dir;

    private TourSession(KubeApiEmulator api, KubeConnection connection, DirectoryInfo dir)
    {
        Api = api;
        Connection = connection;
        _dir = dir;
    }

    public KubeApiEmulator Api { get; }

    /// <summary>The test's own connection (not the chapter's), to read what the chapter left behind.</summary>
    public KubeConnection Connection { get; }

    /// <param name="https">Serve HTTPS (as a real apiserver does).</param>
    /// <param name="loadBalancerDelay">How long a LoadBalancer service stays pending; long enough that a loaded machine still sees it pending.</param>
    public static async Task<TourSession> StartAsync(bool https = true, TimeSpan? loadBalancerDelay = null)
    {
        var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions
        {
            Https = https,
            Scenario = EmulatorScenario.Guide,
            LoadBalancerDelay = loadBalancerDelay ?? TimeSpan.FromSeconds(1),
        });
        var dir = Directory.CreateTempSubdirectory("kube-access-tour-test-");
        return new TourSession(api, TourConnection.Create(api), dir);
    }

    /// <summary>Runs one chapter and returns its output lines.</summary>
    internal async Task<IReadOnlyList<string>> RunAsync(ITourChapter chapter)
    {
        var kubeconfig = Path.Combine(_dir.FullName, "config");
        Api.WriteKubeconfig(kubeconfig, EmulatorAuth.Token, "tour-test");
        using var output = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await chapter.RunAsync(new TourContext(Api, kubeconfig, output), cts.Token);
        return output.ToString().Replace("\r\n", "\n").Split('\n');
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Api.DisposeAsync();
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
