using System.CommandLine;
using Kube.Access.Cli.Tour;
using Kube.Access.Services;

namespace Kube.Access.Cli.Commands;

/// <summary><c>kube-access services describe|access|wait-external-ip NAME</c>.</summary>
internal static class ServicesCommand
{
    public static Command Create()
    {
        var command = new Command("services", "Describe services, list every way to reach one, wait for a load balancer address.");
        command.Subcommands.Add(Sub("describe", "The facts kubectl describe service shows.", async (a, ns, n, _, ct) => Console.Write(await a.DescribeAsync(ns, n, ct))));
        command.Subcommands.Add(Sub("access", "Every access point: DNS, cluster IP, node ports, load balancer, API server proxy, port-forward.", async (a, ns, n, _, ct) =>
        {
            foreach (var p in await a.GetAccessPointsAsync(ns, n, ct)) Console.WriteLine(p);
        }));
        command.Subcommands.Add(Sub("wait-external-ip", "Watch until the LoadBalancer ingress appears.", async (a, ns, n, timeout, ct) =>
        {
            // Reported inline: Progress<T> would post to the thread pool and could print after the result (or never).
            var progress = new InlineProgress<ServiceWatchEvent>(e => Console.WriteLine($"{e.Service.Metadata.Name}\t{e.Service.Spec?.Type}\t{e.Service.Spec?.ClusterIP}\t{e.ExternalAddress ?? "<pending>"}"));
            var address = await a.WaitForExternalAddressAsync(ns, n, timeout, progress, ct);
            Console.WriteLine($"{n}\tEXTERNAL-IP {address.Address}");
        }));
        return command;
    }

    private static Command Sub(string verb, string description, Func<IServiceAccess, string, string, TimeSpan, CancellationToken, Task> run)
    {
        var name = new Argument<string>("name") { Description = "The service name." };
        var ns = CliConnection.Namespace;
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait (wait-external-ip).", DefaultValueFactory = _ => 300 };
        var command = new Command(verb, description) { name, timeout };
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            try
            {
                await using var connection = await CliConnection.CreateAsync(r, ct);
                await run(new ServiceAccess(connection), r.GetValue(ns) ?? connection.Namespace, r.GetValue(name)!, TimeSpan.FromSeconds(r.GetValue(timeout)), ct);
                return 0;
            }
            catch (KubeAccessException e)
            {
                return CliConnection.ReportError(e);
            }
        });
        return command;
    }
}
