using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using k8s.Models;
using Kube.Access.Testing.Streaming;
using Xunit;

namespace Kube.Access.Testing.Tests.Streaming;

public sealed class ExecTests : IAsyncLifetime
{
    private KubeApiEmulator _host = null!;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    public async Task InitializeAsync()
    {
        _host = await KubeApiEmulator.StartAsync();
        _host.AddPod("default", "shell-demo", null, "Running", new V1Container { Name = "nginx", Image = "nginx" });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Query(string[] command, string container = "", bool stdin = false, bool tty = false)
    {
        var q = string.Join('&', command.Select(c => "command=" + Uri.EscapeDataString(c)));
        return $"?{q}{(container.Length > 0 ? "&container=" + container : string.Empty)}&stdout=true&stderr={(!tty).ToString().ToLowerInvariant()}&stdin={stdin.ToString().ToLowerInvariant()}&tty={tty.ToString().ToLowerInvariant()}";
    }

    private async Task<(string Stdout, string Stderr, JsonElement Status)> RunAsync(string pod, string[] command, string container = "", string? stdin = null, string protocol = "v5.channel.k8s.io")
    {
        var ct = Timeout;
        await using var client = await ChannelClient.ConnectAsync(
            _host.WebSocketUri($"/api/v1/namespaces/default/pods/{pod}/exec{Query(command, container, stdin is not null)}"), protocol, ct);
        if (stdin is not null)
        {
            await client.SendAsync(0, Encoding.UTF8.GetBytes(stdin), ct);
            await client.SendAsync(255, [0], ct);
        }

        var channels = await client.ReadToCloseAsync(ct);
        string Text(byte c) => channels.TryGetValue(c, out var s) ? Encoding.UTF8.GetString(s.ToArray()) : string.Empty;
        return (Text(1), Text(2), JsonDocument.Parse(Text(3)).RootElement.Clone());
    }

    [Fact]
    public async Task Echo_writes_stdout_and_reports_Success()
    {
        var (stdout, stderr, status) = await RunAsync("shell-demo", ["echo", "hello", "world"]);
        stdout.Should().Be("hello world\n");
        stderr.Should().BeEmpty();
        status.GetProperty("status").GetString().Should().Be("Success");
    }

    [Fact]
    public async Task A_non_zero_exit_is_a_NonZeroExitCode_Status_with_an_ExitCode_cause()
    {
        var (_, _, status) = await RunAsync("shell-demo", ["sh", "-c", "exit 3"]);
        status.GetProperty("status").GetString().Should().Be("Failure");
        status.GetProperty("reason").GetString().Should().Be("NonZeroExitCode");
        var cause = status.GetProperty("details").GetProperty("causes")[0];
        cause.GetProperty("reason").GetString().Should().Be("ExitCode");
        cause.GetProperty("message").GetString().Should().Be("3");
    }

    [Fact]
    public async Task An_unknown_command_in_sh_is_127_with_dash_s_message()
    {
        var (stdout, stderr, status) = await RunAsync("shell-demo", ["sh", "-c", "echo before; frobnicate now"]);
        stdout.Should().Be("before\n");
        stderr.Should().Be("sh: 1: frobnicate: not found\n");
        status.GetProperty("details").GetProperty("causes")[0].GetProperty("message").GetString().Should().Be("127");
    }

    [Fact]
    public async Task An_unknown_executable_is_an_InternalError_from_the_runtime()
    {
        var (_, _, status) = await RunAsync("shell-demo", ["frobnicate"]);
        status.GetProperty("reason").GetString().Should().Be("InternalError");
        status.GetProperty("message").GetString().Should().Contain("exec: \"frobnicate\": executable file not found in $PATH");
    }

    [Theory]
    [InlineData("v5.channel.k8s.io")]
    [InlineData("v4.channel.k8s.io")]
    public async Task Cat_copies_stdin_to_stdout(string protocol)
    {
        var ct = Timeout;
        await using var client = await ChannelClient.ConnectAsync(
            _host.WebSocketUri($"/api/v1/namespaces/default/pods/shell-demo/exec{Query(["cat"], stdin: true)}"), protocol, ct);
        client.Socket.SubProtocol.Should().Be(protocol);
        var first = await client.ReceiveAsync(ct);
        first.Should().NotBeNull();
        first!.Value.Channel.Should().Be(1);
        first.Value.Payload.Should().BeEmpty("the kubelet opens with an empty frame on the lowest writable channel");

        var data = new byte[2 * 1024 * 1024];
        new Random(3).NextBytes(data);
        var sender = Task.Run(async () =>
        {
            for (var i = 0; i < data.Length; i += 40_000)
            {
                await client.SendAsync(0, data.AsSpan(i, Math.Min(40_000, data.Length - i)), ct);
            }

            if (protocol.StartsWith("v5", StringComparison.Ordinal))
            {
                await client.SendAsync(255, [0], ct);
            }
            else
            {
                await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
            }
        });

        var stdout = new MemoryStream();
        string? statusText = null;
        while (await client.ReceiveAsync(ct) is { } frame)
        {
            if (frame.Channel == 1)
            {
                stdout.Write(frame.Payload);
            }
            else if (frame.Channel == 3)
            {
                statusText = Encoding.UTF8.GetString(frame.Payload);
            }
        }

        await sender;
        stdout.ToArray().Should().Equal(data);
        statusText.Should().Be("{\"metadata\":{},\"status\":\"Success\"}");
    }

    [Fact]
    public async Task Redirections_and_and_lists_use_the_container_file_system()
    {
        var (stdout, _, status) = await RunAsync("shell-demo", ["sh", "-c", "echo one > /tmp/f && echo two >> /tmp/f; cat /tmp/f; ls /tmp; false && echo never; cat /nope || echo fallback $?"]);
        stdout.Should().Be("one\ntwo\nf\nfallback 1\n");
        status.GetProperty("status").GetString().Should().Be("Success");
    }

    [Fact]
    public async Task Environment_hostname_and_variables_are_the_pods()
    {
        _host.AddPod("default", "envy", null, "Running", new V1Container { Name = "c", Image = "busybox", Env = [new V1EnvVar { Name = "GREETING", Value = "hi there" }] });
        var (stdout, _, _) = await RunAsync("envy", ["sh", "-c", "hostname; echo \"$GREETING\" '$GREETING'; env | cat > /tmp/e; cat /tmp/e"]);
        var lines = stdout.Split('\n');
        lines[0].Should().Be("envy");
        lines[1].Should().Be("hi there $GREETING");
        lines.Should().Contain("GREETING=hi there").And.Contain("HOSTNAME=envy");
    }

    [Fact]
    public async Task Curl_localhost_reaches_the_pods_own_bound_port_and_fails_like_curl_otherwise()
    {
        _host.BindPodPort("default", "shell-demo", 8080, PodBackend.HelloHttp);
        var (stdout, _, _) = await RunAsync("shell-demo", ["curl", "-s", "localhost:8080/"]);
        stdout.Should().Be("Hello Kubernetes!");

        var (_, stderr, status) = await RunAsync("shell-demo", ["curl", "localhost:9999"]);
        stderr.Should().Be("curl: (7) Failed to connect to localhost port 9999 after 0 ms: Couldn't connect to server\n");
        status.GetProperty("details").GetProperty("causes")[0].GetProperty("message").GetString().Should().Be("7");
    }

    [Fact]
    public async Task EmptyDir_volumes_are_shared_between_containers_and_nginx_serves_them()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "two-containers", NamespaceProperty = "default" },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                Volumes = [new V1Volume { Name = "shared-data", EmptyDir = new V1EmptyDirVolumeSource() }],
                Containers =
                [
                    new V1Container { Name = "nginx-container", Image = "nginx", VolumeMounts = [new V1VolumeMount { Name = "shared-data", MountPath = "/usr/share/nginx/html" }] },
                    new V1Container
                    {
                        Name = "debian-container", Image = "debian",
                        VolumeMounts = [new V1VolumeMount { Name = "shared-data", MountPath = "/pod-data" }],
                        Command = ["/bin/sh"], Args = ["-c", "echo Hello from the debian container > /pod-data/index.html"],
                    },
                ],
            },
        };

        _host.AddPod(pod);

        var ct = Timeout;
        V1ContainerStatus Debian() => _host.GetPod("default", "two-containers").Status.ContainerStatuses.Single(c => c.Name == "debian-container");
        while (Debian().State.Terminated is null)
        {
            await Task.Delay(50, ct);
        }

        Debian().State.Terminated.ExitCode.Should().Be(0);
        Debian().State.Terminated.Reason.Should().Be("Completed");
        var after = _host.GetPod("default", "two-containers");
        after.Status.Phase.Should().Be("Running", "the nginx container keeps running");
        after.Status.ContainerStatuses.Single(c => c.Name == "nginx-container").State.Running.Should().NotBeNull();
        var (stdout, _, _) = await RunAsync("two-containers", ["curl", "-s", "localhost"], container: "nginx-container");
        stdout.Should().Be("Hello from the debian container\n");
        var (listing, _, _) = await RunAsync("two-containers", ["ls", "/usr/share/nginx/html"], container: "nginx-container");
        listing.Should().Be("index.html\n", "the emptyDir mounted over nginx's html directory hides the image's files");
    }

    [Fact]
    public async Task A_bound_handler_gets_the_command_stdin_and_resize_events_and_sets_the_exit_code()
    {
        var ct = Timeout;
        var resized = new TaskCompletionSource<TerminalSize>();
        _host.Streaming.Exec.Bind("default", "shell-demo", "nginx", async (process, token) =>
        {
            process.Tty.Should().BeTrue();
            var size = await process.Resizes.ReadAsync(token);
            resized.TrySetResult(size);
            var buffer = new byte[100];
            var n = await process.Stdin.ReadAsync(buffer, token);
            await process.Stdout.WriteAsync(Encoding.UTF8.GetBytes($"{string.Join(',', process.Command)}:{Encoding.UTF8.GetString(buffer, 0, n)}\n"), token);
            return 42;
        });

        await using var client = await ChannelClient.ConnectAsync(
            _host.WebSocketUri($"/api/v1/namespaces/default/pods/shell-demo/exec{Query(["my", "tool"], stdin: true, tty: true)}"), "v5.channel.k8s.io", ct);
        await client.SendAsync(4, "{\"Width\":120,\"Height\":40}"u8, ct);
        await client.SendAsync(0, "abc"u8, ct);
        var channels = await client.ReadToCloseAsync(ct);

        (await resized.Task).Should().Be(new TerminalSize(120, 40));
        Encoding.UTF8.GetString(channels[1].ToArray()).Should().Be("my,tool:abc\n");
        JsonDocument.Parse(channels[3].ToArray()).RootElement.GetProperty("details").GetProperty("causes")[0].GetProperty("message").GetString().Should().Be("42");
    }

    [Fact]
    public async Task An_interactive_shell_with_a_tty_prompts_echoes_and_exits()
    {
        var ct = Timeout;
        await using var client = await ChannelClient.ConnectAsync(
            _host.WebSocketUri($"/api/v1/namespaces/default/pods/shell-demo/exec{Query(["/bin/bash"], stdin: true, tty: true)}"), "v5.channel.k8s.io", ct);
        await client.SendAsync(0, "echo hi\r"u8, ct);
        await client.SendAsync(0, "exit 5\r"u8, ct);
        var channels = await client.ReadToCloseAsync(ct);
        var screen = Encoding.UTF8.GetString(channels[1].ToArray());
        screen.Should().Be("root@shell-demo:/# echo hi\r\nhi\r\nroot@shell-demo:/# exit 5\r\nexit\r\n");
        channels.Should().NotContainKey(2, "a tty merges stderr into stdout");
        JsonDocument.Parse(channels[3].ToArray()).RootElement.GetProperty("details").GetProperty("causes")[0].GetProperty("message").GetString().Should().Be("5");
    }

    [Fact]
    public async Task Container_choice_and_missing_pods_are_checked_before_the_upgrade()
    {
        var ct = Timeout;
        _host.AddPod("default", "duo", null, "Running", new V1Container { Name = "a", Image = "busybox" }, new V1Container { Name = "b", Image = "busybox" });
        using var http = new HttpClient { BaseAddress = _host.Url };

        async Task<(int, string)> Get(string path)
        {
            var response = await http.GetAsync(path, ct);
            return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("message").GetString()!);
        }

        (await Get("/api/v1/namespaces/default/pods/ghost/exec?command=ls&stdout=true")).Should().Be((404, "pods \"ghost\" not found"));
        (await Get("/api/v1/namespaces/default/pods/duo/exec?command=ls&stdout=true")).Should().Be((400, "a container name must be specified for pod duo, choose one of: [a b]"));
        (await Get("/api/v1/namespaces/default/pods/duo/exec?command=ls&stdout=true&container=c")).Should().Be((400, "container c is not valid for pod duo"));
        (await Get("/api/v1/namespaces/default/pods/duo/exec?stdout=true&container=a")).Should().Be((400, "you must specify at least 1 command"));
        (await ChannelClient.RejectedStatusAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/duo/exec?command=ls&stdout=true&container=a"), "v3.channel.k8s.io", ct)).Should().Be(400);
    }

    [Theory]
    [InlineData("echo a; echo b", new[] { ";", ";" })]
    [InlineData("a && b || c", new[] { ";", "&&", "||" })]
    [InlineData("a | b > f", new[] { ";" })]
    public void The_parser_splits_lists_by_operator(string script, string[] operators) =>
        ShellParser.Parse(script).Steps.Select(s => s.Operator).Should().Equal(operators);

    [Theory]
    [InlineData("echo 'unterminated")]
    [InlineData("&& echo")]
    [InlineData("echo >")]
    [InlineData("echo ${X")]
    public void Bad_scripts_are_syntax_errors(string script) =>
        FluentActions.Invoking(() => ShellParser.Parse(script)).Should().Throw<ShellSyntaxException>();
}
