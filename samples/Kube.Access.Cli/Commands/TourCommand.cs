using System.CommandLine;
using Kube.Access.Cli.Tour;
using Kube.Access.Testing;

namespace Kube.Access.Cli.Commands;

/// <summary><c>kube-access tour</c>: starts an embedded emulator (guide scenario) and runs every chapter.</summary>
internal static class TourCommand
{
    public static Command Create()
    {
        var https = new Option<bool>("--https") { Description = "Run the embedded emulator over HTTPS (token auth, generated CA)." };
        var only = new Option<string?>("--chapter") { Description = "Run only the chapters whose title contains this text." };
        var command = new Command("tour", "Walk through every Kube.Access capability against an embedded Kubernetes API emulator.")
        {
            https, only,
        };
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            // The tour runs only against its embedded emulator: an explicit --server is not silently ignored
            // (the user meant a cluster the tour would never contact), it fails with one error line.
            if (r.GetValue(CliConnection.Server) is { Length: > 0 } server)
            {
                Console.Error.WriteLine($"error: the tour runs against its embedded emulator and cannot use --server {server}; run the other commands against that server");
                return 1;
            }

            return await RunAsync(r.GetValue(https), r.GetValue(only), Console.Out, ct);
        });
        return command;
    }

    /// <summary>Runs the tour; returns the number of chapters that failed (0 = success).</summary>
    public static async Task<int> RunAsync(bool https, string? filter, TextWriter output, CancellationToken cancellationToken)
    {
        await using var emulator = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions
        {
            Https = https,
            Scenario = EmulatorScenario.Guide,
            // A cloud load balancer takes a while: long enough that the frontend chapter's watch shows <pending> first.
            LoadBalancerDelay = TimeSpan.FromSeconds(3),
        }, cancellationToken);
        var directory = Path.Combine(Path.GetTempPath(), "kube-access-tour-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var kubeconfig = Path.Combine(directory, "config");
            emulator.WriteKubeconfig(kubeconfig, EmulatorAuth.Token, "kube-access-tour");
            var context = new TourContext(emulator, kubeconfig, output);
            var chapters = TourChapters.Create()
                .Where(c => filter is null || c.Title.Contains(filter, StringComparison.OrdinalIgnoreCase))
                .ToList();
            var failed = 0;
            for (var i = 0; i < chapters.Count; i++)
            {
                var chapter = chapters[i];
                output.WriteLine();
                output.WriteLine($"== Chapter {i + 1}/{chapters.Count}: {chapter.Title} ==");
                output.WriteLine();
                try
                {
                    await chapter.RunAsync(context, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failed++;
                    output.WriteLine($"!! chapter failed: {e.GetType().Name}: {e.Message}");
                }
            }
            output.WriteLine();
            output.WriteLine(failed == 0
                ? $"Tour complete: {chapters.Count} chapter(s)."
                : $"Tour finished with {failed} failed chapter(s) of {chapters.Count}.");
            return failed == 0 ? 0 : 1;
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
