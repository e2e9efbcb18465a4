using System.CommandLine;
using Kube.Access.Dns;

namespace Kube.Access.Cli.Commands;

/// <summary><c>kube-access dns [SERVICE]</c>: the CoreDNS check, or a service's DNS records.</summary>
internal static class DnsCommand
{
    public static Command Create()
    {
        var service = new Argument<string?>("service") { Description = "A service to list DNS records for (default: check cluster DNS).", Arity = ArgumentArity.ZeroOrOne };
        var ns = CliConnection.Namespace;
        var command = new Command("dns", "Check the cluster DNS (kube-dns service, CoreDNS deployment, Corefile) or list a service's DNS records.") { service };
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            try
            {
                await using var connection = await CliConnection.CreateAsync(r, ct);
                var dns = new ClusterDns(connection);
                if (r.GetValue(service) is { Length: > 0 } name)
                {
                    foreach (var record in await dns.GetServiceRecordsAsync(r.GetValue(ns) ?? connection.Namespace, name, cancellationToken: ct)) Console.WriteLine(record);
                    return 0;
                }
                var report = await dns.CheckAsync(ct);
                Console.WriteLine($"kube-dns service: {report.ServiceIp ?? "<missing>"} {string.Join(", ", report.ServicePorts)}");
                Console.WriteLine($"deployment:       {report.DeploymentName ?? "<missing>"} {report.ReadyReplicas}/{report.DesiredReplicas} {report.Image}");
                Console.WriteLine($"cluster domain:   {report.ClusterDomain}");
                foreach (var p in report.Problems) Console.WriteLine($"problem: {p}");
                return report.Healthy ? 0 : 1;
            }
            catch (KubeAccessException e)
            {
                return CliConnection.ReportError(e);
            }
        });
        return command;
    }
}
