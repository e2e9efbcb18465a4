using Kube.Access.Proxy;

namespace Kube.Access.Cli.Tour;

/// <summary>
/// Guide chapters 1 and 2 (dashboard, accessing services through the apiserver proxy): what
/// <c>kubectl cluster-info</c> prints, and the dashboard's apiserver proxy URL.
/// </summary>
internal sealed class ClusterInfoChapter : ITourChapter
{
    public string Title => "cluster-info and apiserver proxy URLs (the dashboard)";

    public async Task RunAsync(TourContext context, CancellationToken cancellationToken)
    {
        await using var connection = TourConnection.Create(context.Emulator);

        context.Command("kubectl cluster-info");
        var info = await new ClusterInfo().GetAsync(connection, cancellationToken: cancellationToken);
        context.Output.Write(info.ToKubectlText());
        context.Line();

        var dashboard = ProxyUrl.ForService("kubernetes-dashboard", "kubernetes-dashboard", scheme: "https", path: "/");
        context.Line("Dashboard through `kubectl proxy` (or kube-access proxy):");
        context.Line("  " + ProxyUrlBuilder.Instance.BuildUri(dashboard, new Uri("http://localhost:8001/")));
    }
}
