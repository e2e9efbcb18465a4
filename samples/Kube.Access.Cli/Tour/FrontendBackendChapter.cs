using System.Text.RegularExpressions;
using Kube.Access.Dns;
using Kube.Access.Manifests;
using Kube.Access.Services;

namespace Kube.Access.Cli.Tour;

/// <summary>
/// Guide chapter 6 ("Connect a Frontend to a Backend Using Services"): the backend deployment and its <c>hello</c>
/// service, the nginx frontend behind a LoadBalancer service, the wait for its external IP
/// (<c>kubectl get service frontend --watch</c>), every access point, and the frontend's nginx upstream resolving
/// to the backend service's DNS name.
/// </summary>
internal sealed partial class FrontendBackendChapter : ITourChapter
{
    public string Title => "Connect a frontend to a backend using services (LoadBalancer, DNS)";

    public async Task RunAsync(TourContext context, CancellationToken cancellationToken)
    {
        await using var connection = TourConnection.Create(context.Emulator);
        using var applier = new ManifestApplier(connection);
        var services = new ServiceAccess(connection);

        foreach (var file in new[] { "backend-deployment.yaml", "backend-service.yaml", "frontend-deployment.yaml", "frontend-service.yaml" })
        {
            context.Command("kubectl apply -f " + TourManifests.GuideUrl(file));
            var result = await applier.ApplyAsync([ManifestSource.FromText(TourManifests.Read(file), file)], cancellationToken: cancellationToken);
            foreach (var o in result.Objects)
            {
                context.Line(o.ToString());
            }
            if (!result.Succeeded)
            {
                throw new KubeAccessException($"applying {file} failed: {string.Join("; ", result.Failures)}");
            }
        }
        context.Line();

        context.Command("kubectl describe service hello");
        var backend = await services.DescribeAsync("default", "hello", cancellationToken);
        context.Output.Write(backend.ToString());
        context.Line();

        context.Command("kubectl get service frontend --watch");
        var headers = (IReadOnlyList<string>)["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)"];
        var rows = new List<IReadOnlyList<string>>();
        var external = await services.WaitForExternalAddressAsync("default", "frontend", TimeSpan.FromMinutes(2),
            new InlineProgress<ServiceWatchEvent>(e => rows.Add(
            [
                e.Service.Metadata.Name,
                e.Service.Spec.Type,
                e.Service.Spec.ClusterIP ?? "<none>",
                e.ExternalAddress ?? "<pending>",
                string.Join(",", e.Service.Spec.Ports.Select(p => p.NodePort is { } np ? $"{p.Port}:{np}/{p.Protocol}" : $"{p.Port}/{p.Protocol}")),
            ])), cancellationToken);
        context.Table(headers, rows);
        context.Line($"External IP of the frontend: {external.Address}");
        context.Line();

        context.Command("kube-access services access frontend");
        var points = await services.GetAccessPointsAsync("default", "frontend", cancellationToken);
        context.Table(["KIND", "ADDRESS", "DESCRIPTION"], points.Select(p => (IReadOnlyList<string>)
            [p.Kind.ToString(), p.Url ?? (p.Host is null ? "" : p.Port is null ? p.Host : $"{p.Host}:{p.Port}"), p.Description]));
        context.Line();

        // The frontend's nginx.conf names its upstream "hello": the backend service, found through the pod's DNS search list.
        var conf = TourManifests.Read("frontend-nginx.conf");
        var upstream = UpstreamServer().Match(conf) is { Success: true } m ? m.Groups[1].Value
            : throw new KubeAccessException("frontend-nginx.conf names no upstream server");
        context.Command("cat frontend-nginx.conf   # upstream Backend { server " + upstream + "; }");
        var dns = new ClusterDns(connection);
        var domain = (await dns.CheckAsync(cancellationToken)).ClusterDomain;
        var searchNames = KubeDnsNames.ServiceSearchNames("hello", "default");
        context.Line($"nginx upstream \"{upstream}\" in namespace default resolves through the search list "
            + $"default.svc.{domain} svc.{domain} {domain}:");
        var match = searchNames.Contains(upstream) ? "hello" : null;
        if (match is null)
        {
            context.Line($"  \"{upstream}\" is not a name of service default/hello");
            return;
        }
        foreach (var record in await dns.GetServiceRecordsAsync("default", match, domain, cancellationToken))
        {
            context.Line($"  {upstream} -> {record}");
        }
        context.Line($"The frontend answers at http://{external.Address}/ and proxies to http://{KubeDnsNames.Service(match, "default", domain)}/");
    }

    [GeneratedRegex(@"upstream\s+\w+\s*\{[^}]*?server\s+([A-Za-z0-9.-]+)\s*;", RegexOptions.Singleline)]
    private static partial Regex UpstreamServer();
}
