using Kube.Access.Testing;
using Kube.Access.TestSupport;

namespace Kube.Access.Cli.Tests;

/// <summary>One HTTPS emulator session with the guide's objects and a token kubeconfig (kubectl and kube-access both read it), shared by a test class.</summary>
public sealed class CliEmulatorFixture() : EmulatorFixture(() => EmulatorSession.StartAsync(EmulatorScenario.Guide, https: true))
{
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
}
