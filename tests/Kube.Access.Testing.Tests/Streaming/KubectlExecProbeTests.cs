using System.Diagnostics;
using FluentAssertions;
using k8s.Models;
using Xunit;

namespace Kube.Access.Testing.Tests.Streaming;

/// <summary>kubectl 1.32 exec (WebSocket v5) against the streaming subresources.</summary>
public sealed class KubectlExecProbeTests : IAsyncLifetime
{
    private StreamingHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await StreamingHost.StartAsync();
        _host.AddPod("default", "shell-demo", null, "Running", new V1Container { Name = "nginx", Image = "nginx" });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    internal static async Task<(string Stdout, string Stderr, int ExitCode)> KubectlAsync(Uri server, string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--server");
        info.ArgumentList.Add(server.ToString());
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add("/dev/null");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        return (await stdout, await stderr, process.ExitCode);
    }

    [Fact]
    public async Task Kubectl_exec_runs_echo()
    {
        var result = await KubectlAsync(_host.Url, null, "exec", "shell-demo", "--", "sh", "-c", "echo out; echo err >&2; exit 4");
        result.Should().Be(("out\n", "err\ncommand terminated with exit code 4\n", 4));
    }

    [Fact]
    public async Task Kubectl_exec_i_pipes_stdin_to_its_end()
    {
        var result = await KubectlAsync(_host.Url, "line 1\nline 2\n", "exec", "-i", "shell-demo", "--", "cat");
        result.Should().Be(("line 1\nline 2\n", string.Empty, 0));
    }
}
