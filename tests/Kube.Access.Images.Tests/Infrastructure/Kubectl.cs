using System.Diagnostics;
using System.Text;

namespace Kube.Access.Images.Tests.Infrastructure;

/// <summary>Runs the real kubectl (v1.32 on PATH) with an isolated, empty kubeconfig location.</summary>
public static class Kubectl
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    private static readonly string IsolatedConfig = Path.Combine(Path.GetTempPath(), "kube-access-images-tests-no-config");

    public static async Task<Result> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default, string? kubeconfig = null)
    {
        var psi = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["KUBECONFIG"] = kubeconfig ?? IsolatedConfig;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("kubectl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
