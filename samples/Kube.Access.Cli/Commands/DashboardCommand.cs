using System.CommandLine;
using Kube.Access.Proxy;

namespace Kube.Access.Cli.Commands;

/// <summary>
/// <c>kube-access dashboard [--create-admin-user]</c>: serves a local API proxy and prints the dashboard's URL
/// through it (chapter 1 of the guide); with <c>--create-admin-user</c> it first creates the guide's sample user
/// and prints its login token. With <c>--proxy-url</c> it only prints the URL through an already running proxy.
/// </summary>
internal static class DashboardCommand
{
    public static Command Create()
    {
        var createAdmin = new Option<bool>("--create-admin-user") { Description = "Create ServiceAccount admin-user bound to cluster-admin and print a login token (TokenRequest)." };
        var ns = CliConnection.Namespace; // the global -n: the dashboard's namespace (default kubernetes-dashboard)
        var service = new Option<string>("--service") { Description = "The dashboard's service.", DefaultValueFactory = _ => "kubernetes-dashboard" };
        var port = new Option<int>("--port", "-p") { Description = "Port of the local proxy (0 picks a free port).", DefaultValueFactory = _ => LocalApiProxyOptions.DefaultPort };
        var proxyUrl = new Option<string?>("--proxy-url") { Description = "Print the URL through this running proxy (for example http://localhost:8001) instead of starting one." };
        var duration = new Option<string?>("--duration") { Description = "Token lifetime for --create-admin-user (Go duration such as 1h; default: server's)." };

        var command = new Command("dashboard", "Open the Kubernetes Dashboard through a local API proxy (and create its sample admin user).");
        foreach (var option in new Option[] { createAdmin, service, port, proxyUrl, duration })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            try
            {
                TimeSpan? tokenDuration = null;
                if (r.GetValue(duration) is { Length: > 0 } d)
                {
                    if (!ProxyCommand.TryParseGoDuration(d, out var parsed) || parsed <= TimeSpan.Zero)
                    {
                        throw new KubeAccessException($"--duration \"{d}\" is not a positive duration (for example 1h).");
                    }

                    tokenDuration = parsed;
                }

                var options = new DashboardOptions
                {
                    Namespace = r.GetValue(ns) ?? "kubernetes-dashboard",
                    Service = r.GetValue(service) ?? "kubernetes-dashboard",
                    TokenDuration = tokenDuration,
                };

                await using var connection = await CliConnection.CreateAsync(r, ct);
                var dashboard = new DashboardAccess();
                if (r.GetValue(createAdmin))
                {
                    var user = await dashboard.CreateAdminUserAsync(connection, options, ct);
                    Console.Out.WriteLine($"serviceaccount/{user.ServiceAccount} {(user.CreatedServiceAccount ? "created" : "unchanged")}");
                    Console.Out.WriteLine($"clusterrolebinding.rbac.authorization.k8s.io/{user.ClusterRoleBinding} {(user.CreatedClusterRoleBinding ? "created" : "unchanged")}");
                    Console.Out.WriteLine("Bearer token for the dashboard login:");
                    Console.Out.WriteLine(user.Token);
                }

                var url = await dashboard.GetUrlAsync(connection, options, ct);
                if (!url.ServiceFound)
                {
                    Console.Error.WriteLine($"warning: service {options.Namespace}/{options.Service} not found; deploy the dashboard first (kubectl apply -f https://raw.githubusercontent.com/kubernetes/dashboard/v2.2.0/aio/deploy/recommended.yaml)");
                }

                if (r.GetValue(proxyUrl) is { Length: > 0 } running)
                {
                    if (!Uri.TryCreate(running, UriKind.Absolute, out var runningUri) || runningUri.Scheme is not ("http" or "https"))
                    {
                        throw new KubeAccessException($"--proxy-url \"{running}\" is not an http(s) URL.");
                    }

                    Console.Out.WriteLine(url.Through(runningUri));
                    return 0;
                }

                await using var server = await new LocalApiProxy(loggerFactory: CliConnection.LoggerFactoryOf(connection)).StartAsync(connection, new LocalApiProxyOptions { Port = r.GetValue(port) }, ct);
                Console.Out.WriteLine(server.StartingLine);
                Console.Out.WriteLine($"Dashboard: {url.Through(new Uri($"http://localhost:{server.Port}/"))}");
                Console.Out.Flush();
                await CliConnection.WaitUntilCancelledAsync(ct);
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
