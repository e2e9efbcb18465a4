using System.CommandLine;
using Kube.Access.Cli.Commands;

var root = new RootCommand("kube-access: reach applications in a Kubernetes cluster (Kube.Access SDK).");
CliConnection.AddGlobalOptions(root);
foreach (var command in CommandCatalog.Create())
{
    root.Subcommands.Add(command);
}

// The CLI handles SIGINT and SIGTERM itself (not System.CommandLine's handler, nor any hosting lifetime).
using var signals = new CliSignals();
var exitCode = await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, signals.Token);
return signals.ExitCode(exitCode);
