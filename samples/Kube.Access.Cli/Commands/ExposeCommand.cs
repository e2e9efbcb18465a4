using System.CommandLine;
using Kube.Access.Services;

namespace Kube.Access.Cli.Commands;

/// <summary><c>kube-access expose KIND NAME</c>: kubectl expose.</summary>
internal static class ExposeCommand
{
    public static Command Create()
    {
        var kind = new Argument<string>("kind") { Description = "deployment, replicaset, replicationcontroller, pod or service." };
        var name = new Argument<string>("name") { Description = "The object's name." };
        var ns = CliConnection.Namespace;
        var serviceName = new Option<string?>("--name") { Description = "The new service's name." };
        var type = new Option<string?>("--type") { Description = "ClusterIP, NodePort, LoadBalancer or ExternalName." };
        var port = new Option<int?>("--port") { Description = "The service port." };
        var targetPort = new Option<string?>("--target-port") { Description = "The target port (number or name)." };
        var protocol = new Option<string?>("--protocol") { Description = "TCP, UDP or SCTP." };
        var command = new Command("expose", "Expose a deployment, replica set, pod or service as a new service (kubectl expose).") { kind, name, serviceName, type, port, targetPort, protocol };
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            try
            {
                await using var connection = await CliConnection.CreateAsync(r, ct);
                var svc = await new ServiceAccess(connection).ExposeAsync(new ExposeRequest
                {
                    Kind = r.GetValue(kind)!,
                    Name = r.GetValue(name)!,
                    Namespace = r.GetValue(ns),
                    ServiceName = r.GetValue(serviceName),
                    Type = r.GetValue(type),
                    Port = r.GetValue(port),
                    TargetPort = r.GetValue(targetPort),
                    Protocol = r.GetValue(protocol),
                }, ct);
                Console.WriteLine($"service/{svc.Metadata.Name} exposed");
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
