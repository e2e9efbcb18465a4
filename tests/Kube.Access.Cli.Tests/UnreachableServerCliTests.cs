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

    /// <summary>Every command line that talks to the API server.</summary>
    public static TheoryData<string[]> ServerCommands => new()
    {
        new[] { "api" },
        new[] { "api", "/apis" },
        new[] { "version" },
        new[] { "images" },
        new[] { "images", "-n", "default" },
        new[] { "port-forward", "pod/web", "8080:80" },
        new[] { "port-forward", "service/web", ":80" },
        new[] { "exec", "web", "--", "ls" },
        new[] { "exec", "-i", "web", "--", "cat" },
        new[] { "attach", "web" },
        new[] { "cluster-info" },
        new[] { "expose", "deployment", "web", "--port", "80" },
        new[] { "services", "describe", "web" },
        new[] { "services", "access", "web" },
        new[] { "services", "wait-external-ip", "web", "--timeout", "5" },
        new[] { "dns" },
        new[] { "dns", "web" },
        new[] { "deploy", "web", "--image", "nginx" },
        new[] { "apply", "-f", Manifest },
        new[] { "apply", "-f", Manifest, "--dry-run", "server" },
        new[] { "dashboard", "--port", "0" },
        new[] { "dashboard", "--create-admin-user", "--port", "0" },
        new[] { "dashboard", "--proxy-url", "http://localhost:8001" },
        new[] { "tour" },
    };

    [Theory]
    [MemberData(nameof(ServerCommands))]
    public async Task A_closed_port_gives_one_error_line_and_exit_code_1(string[] command)
    {
        var port = ClosedLoopbackPort.Take();
        var stderr = await AssertOneErrorLineAsync(port, command);
        if (command[0] != "tour")
        {
            stderr.Should().Contain("Connection refused");
        }
    }

    [Theory]
    [MemberData(nameof(ServerCommands))]
    public async Task A_server_that_hangs_up_gives_one_error_line_and_exit_code_1(string[] command)
    {
        // Accepts every connection and closes it at once: HttpClient sees the response end prematurely (an IOException inside).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var hangUp = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var client = await listener.AcceptTcpClientAsync(stop.Token);
                    client.Client.Close();
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        try
        {
            var stderr = await AssertOneErrorLineAsync(((IPEndPoint)listener.LocalEndpoint).Port, command);
            if (command[0] != "tour")
            {
                // The cause, not only HttpClient's "An error occurred while sending the request.".
                // (The client sees either the empty answer or the reset, depending on timing.)
                stderr.Should().MatchRegex("The response ended prematurely|Connection reset by peer");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await hangUp;
        }
    }

    private static async Task<string> AssertOneErrorLineAsync(int port, string[] command)
    {
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
            return result.Stderr;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
