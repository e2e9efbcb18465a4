using Kube.Access.Testing;

namespace Kube.Access.Cli.Tests;

/// <summary>One HTTPS emulator with the guide's objects and a token kubeconfig, shared by a test class.</summary>
public sealed class CliEmulatorFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kube-access-cli-tests-" + Guid.NewGuid().ToString("N"));

    public KubeApiEmulator Api { get; private set; } = null!;

    /// <summary>A kubeconfig (token auth, CA data) for the emulator; kubectl and kube-access both read it.</summary>
    public string Kubeconfig { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        Api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = true, Scenario = EmulatorScenario.Guide });
        Kubeconfig = Path.Combine(_directory, "config");
        Api.WriteKubeconfig(Kubeconfig, EmulatorAuth.Token);
    }

    /// <summary>
    /// The emulator's token kubeconfig with its cluster changed: <paramref name="server"/> instead of the emulator's URL
    /// (same when null), followed by <paramref name="clusterFields"/> (indented YAML lines such as <c>    proxy-url: ...\n</c>).
    /// </summary>
    public string KubeconfigWithCluster(string? server = null, string clusterFields = "")
    {
        var yaml = Api.GetKubeconfig(EmulatorAuth.Token);
        var serverLine = $"    server: {Api.Url.ToString().TrimEnd('/')}\n";
        if (!yaml.Contains(serverLine, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The emulator's kubeconfig has no line '{serverLine.Trim()}':\n{yaml}");
        }

        return yaml.Replace(serverLine, $"    server: {server ?? Api.Url.ToString().TrimEnd('/')}\n" + clusterFields, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
