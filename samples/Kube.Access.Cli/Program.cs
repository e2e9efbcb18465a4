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
int exitCode;
try
{
    // No "Unhandled exception" and stack trace from System.CommandLine: errors that escape a command end here.
    exitCode = await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, signals.Token);
}
catch (OperationCanceledException)
{
    // What System.CommandLine's own handler returned for a cancelled command (without printing anything).
    exitCode = 1;
}
catch (Exception e)
{
    exitCode = CliConnection.ReportUnexpected(e);
}

return signals.ExitCode(exitCode);
