using System.CommandLine;
using Kube.Access.Proxy;

namespace Kube.Access.Cli.Commands;

/// <summary><c>kube-access cluster-info</c>: the same lines as <c>kubectl cluster-info</c>.</summary>
internal static class ClusterInfoCommand
{
    public static Command Create()
    {
        var ns = CliConnection.Namespace; // the global -n: the cluster services' namespace (default kube-system)
        var command = new Command("cluster-info", "Display addresses of the control plane and services with label kubernetes.io/cluster-service=true.");
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            try
            {
                await using var connection = await CliConnection.CreateAsync(r, ct);
                var info = await new ClusterInfo().GetAsync(connection, r.GetValue(ns), ct);
                // kubectl 1.32 prints no colours (checked on a terminal too), so neither do we.
                Console.Out.Write(info.ToKubectlText());
                return 0;
            }
            catch (KubeAccessException e)
            {
                Console.Out.Write("\n" + ClusterInfoResult.DumpHint + "\n");
                return CliConnection.ReportError(e);
            }
        });
        return command;
    }
}
