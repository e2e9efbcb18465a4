using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Kube.Access.IntegrationTests.Emulator;

/// <summary>The result of one kubectl run.</summary>
public sealed record KubectlResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonNode Json() => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("kubectl printed no JSON: " + Stderr);
}

/// <summary>Runs the kubectl binary on PATH against a kubeconfig, with its own cache directory.</summary>
public sealed class Kubectl : IDisposable
{
    private readonly string _directory;

    public Kubectl(string kubeconfigYaml)
    {
        _directory = Path.Combine(Path.GetTempPath(), "kube-access-kubectl-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        KubeconfigPath = Path.Combine(_directory, "config");
        File.WriteAllText(KubeconfigPath, kubeconfigYaml);
    }

    public string KubeconfigPath { get; }

    public string Directory_ => _directory;

    public Task<KubectlResult> RunAsync(params string[] args) => RunAsync(args, TimeSpan.FromMinutes(2));

    public async Task<KubectlResult> RunAsync(string[] args, TimeSpan timeout)
    {
        using var process = Start(args);
        using var cts = new CancellationTokenSource(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish in {timeout}");
        }
        return new KubectlResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts kubectl without waiting (for -w); the caller reads and kills it.</summary>
    public Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(KubeconfigPath);
        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(Path.Combine(_directory, "cache"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["KUBECONFIG"] = KubeconfigPath;
        psi.Environment["HOME"] = _directory;
        return Process.Start(psi) ?? throw new InvalidOperationException("kubectl could not be started");
    }

    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
