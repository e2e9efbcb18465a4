using System.CommandLine;
using Kube.Access.Manifests;

namespace Kube.Access.Cli.Commands;

/// <summary><c>kube-access apply -f FILE|DIR|URL|-</c>: kubectl apply for manifests.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var files = new Option<string[]>("--filename", "-f") { Description = "File, directory, http(s) URL or '-' for stdin (repeatable).", Required = true };
        var recursive = new Option<bool>("--recursive", "-R") { Description = "Read directories recursively." };
        var ns = CliConnection.Namespace; // the global -n: the namespace for objects that set none
        var dryRun = new Option<string?>("--dry-run") { Description = "none, client or server." };
        var command = new Command("apply", "Apply manifests (create or update) like kubectl apply -f.") { files, recursive, dryRun };
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            try
            {
                await using var connection = await CliConnection.CreateAsync(r, ct);
                using var applier = new ManifestApplier(connection);
                var mode = r.GetValue(dryRun) switch { "client" => ApplyDryRun.Client, "server" => ApplyDryRun.Server, _ => ApplyDryRun.None };
                var namespaceValue = r.GetValue(ns);
                var result = await applier.ApplyAsync(
                    (r.GetValue(files) ?? []).Select(f => ManifestSource.Parse(f, r.GetValue(recursive))).ToList(),
                    new ApplyRequest { Namespace = namespaceValue, EnforceNamespace = namespaceValue is not null, DryRun = mode },
                    ct);
                foreach (var o in result.Objects.Where(o => o.Action != ApplyAction.Failed)) Console.WriteLine(o);
                // An unreachable server fails every object for one reason: one "error:" line (kubectl stops at the first),
                // not "Error from server" (the server said nothing).
                var unreachable = false;
                foreach (var o in result.Failures)
                {
                    if (o.Error is KubeConnectionException connectionError)
                    {
                        if (!unreachable)
                        {
                            unreachable = true;
                            CliConnection.ReportError(connectionError);
                        }
                    }
                    else
                    {
                        Console.Error.WriteLine($"Error from server: {o.Error?.Message}");
                    }
                }

                return result.Succeeded ? 0 : 1;
            }
            catch (KubeAccessException e)
            {
                return CliConnection.ReportError(e);
            }
        });
        return command;
    }
}
