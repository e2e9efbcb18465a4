using System.CommandLine;
using Kube.Access.Deploy;

namespace Kube.Access.Cli.Commands;

/// <summary><c>kube-access deploy NAME --image IMAGE ...</c>: the dashboard's deploy wizard.</summary>
internal static class DeployCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Application name (lowercase, at most 24)." };
        var image = new Option<string>("--image") { Description = "Container image.", Required = true };
        var replicas = new Option<int>("--replicas") { Description = "Number of pods.", DefaultValueFactory = _ => 1 };
        var service = new Option<string?>("--service") { Description = "none, internal or external." };
        var ports = new Option<string[]>("--port") { Description = "PORT:TARGET[/TCP|UDP] (repeatable)." };
        var ns = CliConnection.Namespace; // the global -n (default 'default')
        var createNs = new Option<bool>("--create-namespace") { Description = "Create the namespace." };
        var description = new Option<string?>("--description") { Description = "Description annotation." };
        var labels = new Option<string[]>("--label") { Description = "KEY=VALUE (repeatable)." };
        var env = new Option<string[]>("--env") { Description = "NAME=VALUE (repeatable); values may use $(VAR)." };
        var cpu = new Option<decimal?>("--cpu") { Description = "CPU request in cores." };
        var memory = new Option<decimal?>("--memory") { Description = "Memory request in MiB." };
        var cmd = new Option<string?>("--command") { Description = "Command to run." };
        var args = new Option<string?>("--args") { Description = "Arguments (split on spaces)." };
        var privileged = new Option<bool>("--privileged") { Description = "Run privileged." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the objects as YAML instead of creating them." };
        var command = new Command("deploy", "Deploy an application like the dashboard's wizard (deployment + optional service).") { name, image, replicas, service, ports, createNs, description, labels, env, cpu, memory, cmd, args, privileged, dryRun };
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            try
            {
                var spec = new AppDeploymentSpec
                {
                    Name = r.GetValue(name)!,
                    Image = r.GetValue(image)!,
                    Replicas = r.GetValue(replicas),
                    Service = (r.GetValue(service) ?? "none").ToLowerInvariant() switch { "internal" => AppServiceKind.Internal, "external" => AppServiceKind.External, _ => AppServiceKind.None },
                    PortMappings = (r.GetValue(ports) ?? []).Select(ParsePort).ToList(),
                    Namespace = r.GetValue(ns) ?? "default",
                    CreateNamespace = r.GetValue(createNs),
                    Description = r.GetValue(description),
                    Labels = (r.GetValue(labels) ?? []).Select(l => l.Split('=', 2)).Select(p => new AppLabel(p[0], p.Length > 1 ? p[1] : "")).ToList(),
                    EnvironmentVariables = (r.GetValue(env) ?? []).Select(l => l.Split('=', 2)).Select(p => new AppEnvironmentVariable(p[0], p.Length > 1 ? p[1] : "")).ToList(),
                    CpuRequestCores = r.GetValue(cpu),
                    MemoryRequestMiB = r.GetValue(memory),
                    Command = r.GetValue(cmd) is { Length: > 0 } c ? AppDeploymentSpec.SplitArguments(c) : null,
                    Arguments = r.GetValue(args) is { Length: > 0 } a ? AppDeploymentSpec.SplitArguments(a) : null,
                    RunAsPrivileged = r.GetValue(privileged),
                };
                if (r.GetValue(dryRun))
                {
                    Console.Write(spec.BuildManifests().ToYaml());
                    return 0;
                }
                await using var connection = await CliConnection.CreateAsync(r, ct);
                var result = await new DeployWizard(connection).DeployAsync(spec, ct);
                Console.WriteLine($"deployment.apps/{result.Name} created");
                if (result.Service is not null) Console.WriteLine($"service/{result.Name} created ({result.ServiceDnsName})");
                if (result.Secret is not null) Console.WriteLine($"secret/{result.Secret.Metadata.Name} created");
                return 0;
            }
            catch (AppDeploymentValidationException e)
            {
                foreach (var p in e.Problems) Console.Error.WriteLine($"error: {p}");
                return 1;
            }
            catch (KubeAccessException e)
            {
                return CliConnection.ReportError(e);
            }
        });
        return command;
    }

    private static AppPortMapping ParsePort(string text)
    {
        var protocol = AppPortProtocol.Tcp;
        var slash = text.IndexOf('/');
        if (slash >= 0)
        {
            protocol = text[(slash + 1)..].Equals("udp", StringComparison.OrdinalIgnoreCase) ? AppPortProtocol.Udp : AppPortProtocol.Tcp;
            text = text[..slash];
        }
        var parts = text.Split(':');
        var port = int.TryParse(parts[0], out var p) ? p : 0;
        var target = parts.Length > 1 && int.TryParse(parts[1], out var t) ? t : port;
        return new AppPortMapping(port, target, protocol);
    }
}
