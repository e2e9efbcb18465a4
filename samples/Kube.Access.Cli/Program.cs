using System.CommandLine;
using Kube.Access.Cli.Commands;

var root = new RootCommand("kube-access: reach applications in a Kubernetes cluster (Kube.Access SDK).");
CliConnection.AddGlobalOptions(root);
foreach (var command in CommandCatalog.Create())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
