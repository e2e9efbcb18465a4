using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using FluentAssertions;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.IntegrationTests.Emulator;

/// <summary>
/// kubectl 1.32's own SPDY/3.1 paths against the emulator: port-forward (WebSocket tunnel
/// <c>SPDY/3.1+portforward.k8s.io</c>) to a pod, a deployment and a service, and exec falling back to
/// <c>Upgrade: SPDY/3.1</c> when the emulator refuses the WebSocket.
/// </summary>
public sealed partial class SpdyKubectlTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kube-access-spdy-" + Guid.NewGuid().ToString("N"));
    private readonly List<Process> _processes = [];
    private KubeApiEmulator _api = null!;
    private string _kubeconfig = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = true, Scenario = EmulatorScenario.Guide, ExecWebSockets = false });
        _kubeconfig = Path.Combine(_dir, "config");
        _api.WriteKubeconfig(_kubeconfig);
        var manifest = Path.Combine(_dir, "pod.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: v1
            kind: Pod
            metadata:
              name: shell-demo
            spec:
              containers:
              - name: nginx
                image: nginx
            """);
        var created = await KubectlTool.RunAsync(["apply", "-f", manifest], kubeconfig: _kubeconfig);
        created.ExitCode.Should().Be(0, created.Stderr);
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            ToolProcess.Kill(process);
            process.Dispose();
        }

        await _api.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData("pod")]
    [InlineData("deployment/mongo")]
    [InlineData("service/mongo")]
    public async Task Port_forward_with_a_random_local_port_echoes_through_the_pod(string target)
    {
        if (target == "pod")
        {
            target = "pod/" + await MongoPodAsync();
        }

        var port = await StartPortForwardAsync(target, ":27017");
        (await EchoAsync(port, 256 * 1024)).Should().BeTrue();
    }

    [Fact]
    public async Task Port_forward_to_a_chosen_local_port_listens_there()
    {
        var local = FreePort();
        var port = await StartPortForwardAsync("service/mongo", $"{local}:27017");
        port.Should().Be(local);
        (await EchoAsync(port, 64 * 1024)).Should().BeTrue();
    }

    [Fact]
    public async Task Port_forward_over_plain_spdy_upgrade_echoes_through_the_pod()
    {
        // kubectl's switch off for the WebSocket tunnel: it then asks for Upgrade: SPDY/3.1 directly.
        var process = StartKubectl(new Dictionary<string, string?> { ["KUBECTL_PORT_FORWARD_WEBSOCKETS"] = "false" }, "port-forward", "service/mongo", ":27017");
        var port = await ForwardingPortAsync(process);
        (await EchoAsync(port, 1024 * 1024)).Should().BeTrue();
        _api.Requests.Should().Contain(r => r.Method == "POST" && r.PathAndQuery.Contains("/portforward", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Eight_concurrent_connections_echo_64_mebibytes_each_intact()
    {
        var port = await StartPortForwardAsync("deployment/mongo", ":27017");
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => EchoAsync(port, 64 * 1024 * 1024)));
        results.Should().AllSatisfy(ok => ok.Should().BeTrue());
        // The forward still serves new connections afterwards.
        (await EchoAsync(port, 1024)).Should().BeTrue();
    }

    [Fact]
    public async Task Port_forward_to_a_port_nothing_listens_on_reports_the_kubelets_error()
    {
        var pod = await MongoPodAsync();
        var process = StartKubectl("port-forward", "pod/" + pod, ":9999");
        var port = await ForwardingPortAsync(process);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            var stream = client.GetStream();
            var buffer = new byte[16];
            // The relay ends: kubectl closes the local connection.
            (await stream.ReadAsync(buffer)).Should().Be(0);
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var stderr = await process.StandardError.ReadToEndAsync();
        stderr.Should().Contain("an error occurred forwarding").And.Contain("error forwarding port 9999 to pod").And.Contain("connect: connection refused");
    }

    [Fact]
    public async Task Exec_over_spdy_passes_stdin_to_its_end()
    {
        var result = await KubectlTool.RunAsync(["exec", "-i", "shell-demo", "--", "cat"], kubeconfig: _kubeconfig, stdin: "hi\n");
        (result.Stdout, result.Stderr, result.ExitCode).Should().Be(("hi\n", string.Empty, 0));
        _api.Requests.Should().Contain(r => r.Method == "POST" && r.PathAndQuery.StartsWith("/api/v1/namespaces/default/pods/shell-demo/exec", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Exec_over_spdy_returns_the_exit_code_and_both_outputs()
    {
        var result = await KubectlTool.RunAsync(["exec", "shell-demo", "--", "sh", "-c", "echo out; echo err >&2; exit 3"], kubeconfig: _kubeconfig);
        (result.Stdout, result.Stderr, result.ExitCode).Should().Be(("out\n", "err\ncommand terminated with exit code 3\n", 3));
    }

    [Fact]
    public async Task Exec_over_spdy_of_an_unknown_binary_fails_as_the_runtime_does()
    {
        var result = await KubectlTool.RunAsync(["exec", "shell-demo", "--", "no-such-binary"], kubeconfig: _kubeconfig);
        result.ExitCode.Should().NotBe(0);
        result.Stderr.Should().Contain("executable file not found in $PATH");
    }

    [Fact]
    public async Task Attach_over_spdy_runs_the_containers_shell_on_stdin()
    {
        var result = await KubectlTool.RunAsync(["attach", "-i", "shell-demo"], kubeconfig: _kubeconfig, stdin: "echo attached\nexit 5\n");
        result.Stdout.Should().Contain("attached");
        result.ExitCode.Should().Be(5, result.Stderr);
    }

    private async Task<string> MongoPodAsync()
    {
        var result = await KubectlTool.RunAsync(["get", "pods", "-l", "app.kubernetes.io/name=mongo", "-o", "jsonpath={.items[0].metadata.name}"], kubeconfig: _kubeconfig);
        result.ExitCode.Should().Be(0, result.Stderr);
        return result.Stdout;
    }

    private Process StartKubectl(params string[] args) => StartKubectl(null, args);

    private Process StartKubectl(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var process = ToolProcess.Start(KubectlTool.Run(args, _kubeconfig, kubeconfigVariable: null, home: _dir, environment: environment));
        _processes.Add(process);
        return process;
    }

    private async Task<int> StartPortForwardAsync(string target, string ports)
    {
        var process = StartKubectl("port-forward", target, ports);
        return await ForwardingPortAsync(process);
    }

    private static async Task<int> ForwardingPortAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var match = ForwardingLine().Match(line);
            if (match.Success)
            {
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("kubectl port-forward ended without forwarding: " + await process.StandardError.ReadToEndAsync());
    }

    [GeneratedRegex(@"^Forwarding from 127\.0\.0\.1:(\d+) -> \d+$")]
    private static partial Regex ForwardingLine();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Sends <paramref name="size"/> random bytes through the forward and checks the echo's SHA-256.</summary>
    private static async Task<bool> EchoAsync(int port, int size)
    {
        var payload = RandomNumberGenerator.GetBytes(size);
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var send = Task.Run(async () =>
        {
            for (var at = 0; at < size; at += 64 * 1024)
            {
                await stream.WriteAsync(payload.AsMemory(at, Math.Min(64 * 1024, size - at)));
            }

            client.Client.Shutdown(SocketShutdown.Send);
        });
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        var received = 0;
        while (received < size)
        {
            var n = await stream.ReadAsync(buffer);
            if (n == 0)
            {
                break;
            }

            hash.AppendData(buffer, 0, n);
            received += n;
        }

        await send;
        return received == size && hash.GetHashAndReset().AsSpan().SequenceEqual(SHA256.HashData(payload));
    }
}
