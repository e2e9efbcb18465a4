using System.Diagnostics;
using System.Text.Json.Nodes;
using Kube.Access.TestSupport;

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
        var result = await ToolProcess.RunAsync(Run(args) with { Timeout = timeout });
        return new KubectlResult(result.ExitCode, result.Stdout, result.Stderr);
    }

    /// <summary>Starts kubectl without waiting (for -w); the caller reads and kills it.</summary>
    public Process Start(params string[] args) => ToolProcess.Start(Run(args));

    private ToolRun Run(string[] args) =>
        KubectlTool.Run(["--cache-dir", Path.Combine(_directory, "cache"), .. args], KubeconfigPath, kubeconfigVariable: null, home: _directory);

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
