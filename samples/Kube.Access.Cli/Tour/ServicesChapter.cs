using Kube.Access.Dns;
using Kube.Access.Services;

namespace Kube.Access.Cli.Tour;

/// <summary>
/// Guide chapters 5 and 9 ("Use a Service to access an application", cluster DNS): expose the hello-world
/// deployment as a NodePort service, then list every address it can be reached at and its DNS name.
/// </summary>
internal sealed class ServicesChapter : ITourChapter
{
    public string Title => "Use a Service to access an application in a cluster";

    public async Task RunAsync(TourContext context, CancellationToken cancellationToken)
    {
        await using var connection = TourConnection.Create(context.Emulator);
        var services = new ServiceAccess(connection);

        context.Command("kubectl expose deployment hello-world --type=NodePort --name=example-service");
        var service = await services.ExposeAsync(new ExposeRequest
        {
            Kind = "deployment",
            Name = "hello-world",
            Namespace = "default",
            Type = "NodePort",
            ServiceName = "example-service",
        }, cancellationToken);
        context.Line($"service/{service.Metadata.Name} exposed");
        context.Line();

        context.Command("kube-access services access example-service");
        var points = await services.GetAccessPointsAsync("default", "example-service", cancellationToken);
        context.Table(["KIND", "ADDRESS", "DESCRIPTION"], points.Select(p => (IReadOnlyList<string>)
            [p.Kind.ToString(), p.Url ?? (p.Host is null ? "" : p.Port is null ? p.Host : $"{p.Host}:{p.Port}"), p.Description]));
        context.Line();
        context.Line($"In-cluster DNS name: {KubeDnsNames.Service("example-service", "default")}");
    }
}
