using System.Text.Json;
using FluentAssertions;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.IntegrationTests.Emulator;

/// <summary>kubectl 1.32 exec (WebSocket v5.channel.k8s.io) against the emulator's built-in shell.</summary>
public sealed class ExecKubectlTests : IAsyncLifetime
{
    private EmulatorSession _session = null!;

    public async Task InitializeAsync()
    {
        _session = await EmulatorSession.StartAsync(EmulatorScenario.Guide, https: true);
        var manifest = Path.Combine(_session.TempDir, "pods.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: v1
            kind: Pod
            metadata:
              name: shell-demo
            spec:
              containers:
              - name: nginx
                image: nginx
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: two-containers
            spec:
              restartPolicy: Never
              volumes:
              - name: shared-data
                emptyDir: {}
              containers:
              - name: nginx-container
                image: nginx
                volumeMounts:
                - name: shared-data
                  mountPath: /usr/share/nginx/html
              - name: debian-container
                image: debian
                volumeMounts:
                - name: shared-data
                  mountPath: /pod-data
                command: ["/bin/sh"]
                args: ["-c", "echo Hello from the debian container > /pod-data/index.html"]
            """);
        var created = await KubectlAsync(null, "apply", "-f", manifest);
        created.ExitCode.Should().Be(0, created.Stderr);
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
    }

    /// <summary>kubectl against the session's emulator, as (stdout, stderr, exit code).</summary>
    private async Task<(string Stdout, string Stderr, int ExitCode)> KubectlAsync(string? stdin, params string[] args)
    {
        var result = await _session.Kubectl(args, stdin);
        return (result.Stdout, result.Stderr, result.ExitCode);
    }

    [Fact]
    public async Task Stdout_stderr_and_the_exit_code_come_back()
    {
        var result = await KubectlAsync(null, "exec", "shell-demo", "--", "sh", "-c", "echo out; echo err >&2; exit 4");
        result.Should().Be(("out\n", "err\ncommand terminated with exit code 4\n", 4));
    }

    [Fact]
    public async Task Success_exits_zero()
    {
        var result = await KubectlAsync(null, "exec", "shell-demo", "--", "hostname");
        result.Should().Be(("shell-demo\n", string.Empty, 0));
    }

    [Fact]
    public async Task An_unknown_command_inside_sh_is_127()
    {
        var result = await KubectlAsync(null, "exec", "shell-demo", "--", "sh", "-c", "nosuchcmd");
        result.Should().Be((string.Empty, "sh: 1: nosuchcmd: not found\ncommand terminated with exit code 127\n", 127));
    }

    [Fact]
    public async Task With_i_piped_stdin_reaches_its_end()
    {
        var input = string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n"));
        var result = await KubectlAsync(input, "exec", "-i", "shell-demo", "--", "cat");
        result.Should().Be((input, string.Empty, 0));
    }

    [Fact]
    public async Task With_i_a_script_on_stdin_runs_in_sh()
    {
        var result = await KubectlAsync("echo a > /tmp/x\necho b >> /tmp/x\ncat /tmp/x\nexit 3\n", "exec", "-i", "shell-demo", "--", "sh");
        result.Should().Be(("a\nb\n", "command terminated with exit code 3\n", 3));
    }

    [Fact]
    public async Task Without_i_stdin_is_not_forwarded()
    {
        var result = await KubectlAsync("ignored\n", "exec", "shell-demo", "--", "cat");
        result.Should().Be((string.Empty, string.Empty, 0));
    }

    [Fact]
    public async Task The_two_container_pod_of_chapter_8_shares_its_emptyDir()
    {
        // The debian container ends (terminated, exit 0); nginx keeps running and serves what it wrote.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        string state;
        do
        {
            var get = await KubectlAsync(null, "get", "pod", "two-containers", "-o", "json");
            var statuses = JsonDocument.Parse(get.Stdout).RootElement.GetProperty("status").GetProperty("containerStatuses");
            state = string.Join(",", statuses.EnumerateArray().OrderBy(s => s.GetProperty("name").GetString(), StringComparer.Ordinal).Select(s => s.GetProperty("name").GetString() + "=" + string.Join("", s.GetProperty("state").EnumerateObject().Select(p => p.Name))));
        }
        while (state != "debian-container=terminated,nginx-container=running" && DateTime.UtcNow < deadline);

        state.Should().Be("debian-container=terminated,nginx-container=running");
        var result = await KubectlAsync(null, "exec", "two-containers", "-c", "nginx-container", "--", "curl", "-s", "localhost");
        result.Should().Be(("Hello from the debian container\n", string.Empty, 0));

        var ended = await KubectlAsync(null, "exec", "two-containers", "-c", "debian-container", "--", "true");
        ended.ExitCode.Should().Be(1);
        ended.Stderr.Should().Contain("container not found (\"debian-container\")");
    }

    [Fact]
    public async Task Kubectl_names_the_default_container_and_rejects_unknown_ones()
    {
        var defaulted = await KubectlAsync(null, "exec", "two-containers", "--", "ls", "/usr/share/nginx/html");
        defaulted.Stderr.Should().StartWith("Defaulted container \"nginx-container\" out of: nginx-container, debian-container");
        defaulted.Stdout.Should().Be("index.html\n");

        var unknown = await KubectlAsync(null, "exec", "shell-demo", "-c", "nope", "--", "true");
        unknown.ExitCode.Should().NotBe(0);
        unknown.Stderr.Should().Contain("container nope is not valid for pod shell-demo");
    }

    [Fact]
    public async Task A_missing_pod_reads_like_the_apiserver()
    {
        var result = await KubectlAsync(null, "exec", "ghost", "--", "true");
        result.ExitCode.Should().Be(1);
        result.Stderr.Should().Contain("pods \"ghost\" not found");
    }
}
