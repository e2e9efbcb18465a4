using Kube.Access.Cli.Tour;
using Kube.Access.Testing;
using Kube.Access.TestSupport;

namespace Kube.Access.Tour.Tests;

/// <summary>The tour tests' emulator (a guide-scenario <see cref="EmulatorSession"/>) and running one chapter against it.</summary>
internal static class TourSession
{
    /// <param name="https">Serve HTTPS (as a real apiserver does).</param>
    /// <param name="loadBalancerDelay">How long a LoadBalancer service stays pending; long enough that a loaded machine still sees it pending.</param>
    public static Task<EmulatorSession> StartAsync(bool https = true, TimeSpan? loadBalancerDelay = null) =>
        EmulatorSession.StartAsync(EmulatorScenario.Guide, loadBalancerDelay ?? TimeSpan.FromSeconds(1), https, contextName: "tour-test");

    /// <summary>Runs one chapter (with a fresh copy of the session's kubeconfig) and returns its output lines.</summary>
    public static async Task<IReadOnlyList<string>> RunAsync(this EmulatorSession session, ITourChapter chapter)
    {
        session.Api.WriteKubeconfig(session.Kubeconfig, EmulatorAuth.Token, "tour-test");
        using var output = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await chapter.RunAsync(new TourContext(session.Api, session.Kubeconfig, output), cts.Token);
        return output.ToString().Replace("\r\n", "\n").Split('\n');
    }
}
