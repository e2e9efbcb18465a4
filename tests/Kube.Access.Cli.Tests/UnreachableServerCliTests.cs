using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using Kube.Access.TestSupport;

namespace Kube.Access.Cli.Tests;

/// <summary>
/// Every command that talks to an API server, pointed at a closed port: like kubectl (which ends with one line and
/// exit code 1), it prints exactly one <c>error:</c> line naming the server, never "Unhandled exception" or a stack trace.
/// </summary>
public sealed class UnreachableServerCliTests
{
    private const string Manifest = "{manifest}";

    [Theory]
    [InlineData("api")]
    [InlineData("api", "/apis")]
    [InlineData("version")]
    [InlineData("images")]
    [InlineData("images", "-n", "default")]
    [InlineData("port-forward", "pod/web", "8080:80")]
    [InlineData("port-forward", "service/web", ":80")]
    [InlineData("exec", "web", "--", "ls")]
    [InlineData("exec", "-i", "web", "--", "cat")]
    [InlineData("attach", "web")]
    [InlineData("cluster-info")]
    [InlineData("expose", "deployment", "web", "--port", "80")]
    [InlineData("services", "describe", "web")]
    [InlineData("services", "access", "web")]
    [InlineData("services", "wait-external-ip", "web", "--timeout", "5")]
    [InlineData("dns")]
    [InlineData("dns", "web")]
    [InlineData("deploy", "web", "--image", "nginx")]
    [InlineData("apply", "-f", Manifest)]
    [InlineData("apply", "-f", Manifest, "--dry-run", "server")]
    [InlineData("dashboard", "--port", "0")]
    [InlineData("dashboard", "--create-admin-user", "--port", "0")]
    [InlineData("dashboard", "--proxy-url", "http://localhost:8001")]
    [InlineData("tour")]
    public async Task An_unreachable_server_gives_one_error_line_and_exit_code_1(params string[] command)
    {
        var port = ClosedPort();
        var directory = Directory.CreateTempSubdirectory("kube-access-unreachable-");
        try
        {
            var manifest = Path.Combine(directory.FullName, "objects.yaml");
            await File.WriteAllTextAsync(manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: b\n");
            var arguments = new List<string> { "--server", $"http://127.0.0.1:{port}" };
            arguments.AddRange(command.Select(a => a == Manifest ? manifest : a));

            var result = await KubeAccessCli.RunAsync(arguments, timeout: TimeSpan.FromMinutes(1));

            result.ExitCode.Should().Be(1, result.ToString());
            var lines = result.Stderr.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
            lines.Should().ContainSingle(result.ToString());
            lines[0].Should().StartWith("error: ").And.Contain($"127.0.0.1:{port}");
            result.Stderr.Should().NotContain("Unhandled").And.NotContain("   at ");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>A loopback port nothing listens on: bound by the system, then closed.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
