using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using k8s;
using Kube.Access.Channels;
using Kube.Access.Exec;
using Kube.Access.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Kube.Access.Tests.Exec;

/// <summary>IPodExec against the emulator over real loopback WebSockets.</summary>
public sealed class PodExecTests : IAsyncLifetime
{
    private ExecEmulator _e = null!;

    public async Task InitializeAsync() => _e = await ExecEmulator.StartAsync();

    public async Task DisposeAsync() => await _e.DisposeAsync();

    [Fact]
    public async Task Echo_comes_back_on_stdout_with_exit_code_zero()
    {
        var result = await _e.Exec.RunAsync("default", "shell-demo", ["echo", "hello", "a b&c=d"]);
        result.StdoutText.Should().Be("hello a b&c=d\n");
        result.StderrText.Should().BeEmpty();
        result.ExitCode.Should().Be(0);
        result.Result.Should().Be(ExecResult.Success);
        result.Container.Should().Be("nginx");
        result.DefaultedContainerNotice.Should().BeNull();
    }

    [Fact]
    public async Task The_request_repeats_command_per_argument_and_escapes_it()
    {
        await _e.Exec.RunAsync(null, "shell-demo", ["echo", "a b&c=d"]);
        var request = _e.Api.Requests.Last(r => r.PathAndQuery.Contains("/exec?", StringComparison.Ordinal));
        request.PathAndQuery.Should().Contain("/api/v1/namespaces/default/pods/shell-demo/exec?command=echo&command=a%20b%26c%3Dd&container=nginx&stdout=true&stderr=true");
        PodExec.BuildPath("exec", "ns", "p", "c", ["sh", "-c", "x y"], true, true, false, true)
            .Should().Be("api/v1/namespaces/ns/pods/p/exec?command=sh&command=-c&command=x%20y&container=c&stdin=true&stdout=true&tty=true");
    }

    [Fact]
    public async Task Stdout_and_stderr_are_split_and_the_exit_code_is_returned()
    {
        var result = await _e.Exec.RunAsync("default", "shell-demo", ["sh", "-c", "echo out; echo err >&2; exit 4"]);
        result.StdoutText.Should().Be("out\n");
        result.StderrText.Should().Be("err\n");
        result.ExitCode.Should().Be(4);
        result.Result.Reason.Should().Be("NonZeroExitCode");
        result.Result.Message.Should().Contain("exit code 4");
    }

    [Theory]
    [InlineData("exit 3", 3, "")]
    [InlineData("nosuchcmd", 127, "sh: 1: nosuchcmd: not found\n")]
    [InlineData("false", 1, "")]
    public async Task Exit_codes_of_the_shell_are_results_not_exceptions(string script, int code, string stderr)
    {
        var result = await _e.Exec.RunAsync("default", "shell-demo", ["sh", "-c", script]);
        result.ExitCode.Should().Be(code);
        result.StderrText.Should().Be(stderr);
    }

    [Fact]
    public async Task Stdin_piped_to_cat_reaches_its_end_and_all_output_arrives()
    {
        var input = string.Concat(Enumerable.Range(0, 5000).Select(i => $"line {i}\n"));
        var fromBytes = await _e.Exec.RunAsync("default", "shell-demo", ["cat"], null, Encoding.UTF8.GetBytes(input));
        fromBytes.StdoutText.Should().Be(input);
        fromBytes.ExitCode.Should().Be(0);

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(input));
        var fromStream = await _e.Exec.RunAsync("default", "shell-demo", ["sh", "-c", "cat; echo done >&2"], stdin: stream);
        fromStream.StdoutText.Should().Be(input);
        fromStream.StderrText.Should().Be("done\n");
    }

    [Fact]
    public async Task Eight_MiB_go_through_cat_unchanged()
    {
        var data = new byte[8 * 1024 * 1024];
        new Random(42).NextBytes(data);
        await using var session = await _e.Exec.StartAsync(new ExecRequest { Pod = "shell-demo", Command = ["cat"], Stdin = true });
        session.Protocol.Should().Be(ChannelProtocols.V5);

        var reading = Task.Run(async () =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            while (true)
            {
                var read = await session.Stdout.ReadAsync();
                foreach (var segment in read.Buffer)
                {
                    hash.AppendData(segment.Span);
                    total += segment.Length;
                }

                session.Stdout.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted) break;
            }

            return (total, hash.GetHashAndReset());
        });

        // Through the PipeWriter in uneven pieces, flushing each.
        var random = new Random(7);
        for (var offset = 0; offset < data.Length;)
        {
            var n = Math.Min(random.Next(1, 100_000), data.Length - offset);
            data.AsSpan(offset, n).CopyTo(session.Stdin.GetSpan(n));
            session.Stdin.Advance(n);
            await session.Stdin.FlushAsync();
            offset += n;
        }

        await session.CloseStdinAsync();
        var (count, digest) = await reading;
        count.Should().Be(data.Length);
        digest.Should().Equal(SHA256.HashData(data));
        (await session.WaitForExitAsync()).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task The_stdin_stream_and_the_stdout_stream_work_together()
    {
        await using var session = await _e.Exec.StartAsync(new ExecRequest { Pod = "shell-demo", Command = ["sh"], Stdin = true });
        var output = Task.Run(async () => await new StreamReader(session.StdoutStream).ReadToEndAsync());
        await session.StdinStream.WriteAsync("echo first\n"u8.ToArray());
        await session.StdinStream.WriteAsync("echo second; exit 6\n"u8.ToArray());
        await session.CloseStdinAsync();
        (await output).Should().Be("first\nsecond\n");
        (await session.WaitForExitAsync()).ExitCode.Should().Be(6);
    }

    [Fact]
    public async Task Attach_gives_the_same_session_type()
    {
        await using var session = await _e.Exec.AttachAsync(new AttachRequest { Pod = "shell-demo", Stdin = true });
        var output = Task.Run(async () => await new StreamReader(session.StdoutStream).ReadToEndAsync());
        await session.WriteStdinAsync("echo attached\nexit 5\n"u8.ToArray());
        await session.CloseStdinAsync();
        (await output).Should().Be("attached\n");
        (await session.WaitForExitAsync()).ExitCode.Should().Be(5);
        _e.Api.Requests.Should().Contain(r => r.PathAndQuery.StartsWith("/api/v1/namespaces/default/pods/shell-demo/attach?container=nginx&stdin=true&stdout=true&stderr=true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Attach_follows_the_containers_terminal_like_kubectl()
    {
        // kubectl attach: -t on a container without a terminal is dropped with its notice; a container
        // that has one gets tty=true even when -t was not given.
        var withTty = ExecEmulator.Container("console", "busybox", "sh", "-c", "sleep 3600");
        withTty.Stdin = true;
        withTty.Tty = true;
        await _e.Connection.Client.CoreV1.CreateNamespacedPodAsync(ExecEmulator.Pod("tty-console", [withTty]), "default");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((await _e.Connection.Client.CoreV1.ReadNamespacedPodAsync("tty-console", "default", cancellationToken: deadline.Token)).Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is null)
        {
            await Task.Delay(50, deadline.Token);
        }

        await using (var forced = await _e.Exec.AttachAsync(new AttachRequest { Pod = "tty-console", Stdin = true }))
        {
            forced.Tty.Should().BeTrue();
            forced.TtyNotice.Should().BeNull();
        }

        await using (var dropped = await _e.Exec.AttachAsync(new AttachRequest { Pod = "shell-demo", Stdin = true, Tty = true }))
        {
            dropped.Tty.Should().BeFalse();
            dropped.TtyNotice.Should().Be("Unable to use a TTY - container nginx did not allocate one");
        }

        var attaches = _e.Api.Requests.Where(r => r.PathAndQuery.Contains("/attach?", StringComparison.Ordinal)).Select(r => r.PathAndQuery).ToList();
        attaches.Should().Contain(q => q.StartsWith("/api/v1/namespaces/default/pods/tty-console/attach?", StringComparison.Ordinal) && q.Contains("tty=true", StringComparison.Ordinal));
        attaches.Should().Contain(q => q.StartsWith("/api/v1/namespaces/default/pods/shell-demo/attach?", StringComparison.Ordinal) && !q.Contains("tty=true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tty_and_resizes_reach_the_process()
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _e.Api.BindExec("default", "shell-demo", "nginx", async (process, ct) =>
        {
            var sizes = new List<string>();
            await foreach (var size in process.Resizes.ReadAllAsync(ct))
            {
                sizes.Add($"{size.Width}x{size.Height}");
                await process.Stdout.WriteAsync(Encoding.UTF8.GetBytes($"size {size.Width}x{size.Height}\r\n"), ct);
                if (sizes.Count == 2) break;
            }

            seen.TrySetResult($"tty={process.Tty} command={string.Join(' ', process.Command)} sizes={string.Join(',', sizes)}");
            return 0;
        });

        await using var session = await _e.Exec.StartAsync(new ExecRequest
        {
            Pod = "shell-demo",
            Command = ["bash"],
            Stdin = true,
            Tty = true,
            InitialTerminalSize = new ExecTerminalSize(80, 24),
        });
        var output = Task.Run(async () => await new StreamReader(session.StdoutStream).ReadToEndAsync());
        await session.ResizeAsync(120, 40);
        (await seen.Task.WaitAsync(TimeSpan.FromMinutes(1))).Should().Be("tty=True command=bash sizes=80x24,120x40");
        (await output).Should().Be("size 80x24\r\nsize 120x40\r\n");
        (await session.WaitForExitAsync()).ExitCode.Should().Be(0);
        _e.Api.Requests.Last(r => r.PathAndQuery.Contains("/exec?", StringComparison.Ordinal)).PathAndQuery.Should().Contain("tty=true").And.NotContain("stderr=true");
    }

    [Fact]
    public async Task The_only_container_is_chosen_without_a_notice()
    {
        var result = await _e.Exec.RunAsync("default", "with-init", ["hostname"]);
        result.Container.Should().Be("app");
        // An init container makes kubectl name its choice too.
        result.DefaultedContainerNotice.Should().Be("Defaulted container \"app\" out of: app, setup (init)");
        result.StdoutText.Should().Be("with-init\n");
    }

    [Fact]
    public async Task The_annotation_names_the_default_container()
    {
        var result = await _e.Exec.RunAsync("default", "annotated", ["sh", "-c", "echo $HOSTNAME"]);
        result.Container.Should().Be("sidecar");
        result.DefaultedContainerNotice.Should().BeNull();
        result.StdoutText.Should().Be("annotated\n");
    }

    [Fact]
    public async Task Without_annotation_the_first_container_is_chosen_with_kubectls_notice()
    {
        await _e.WaitForTwoContainersAsync();
        await using var session = await _e.Exec.StartAsync(new ExecRequest { Pod = "two-containers", Command = ["ls", "/usr/share/nginx/html"] });
        session.Container.Should().Be("nginx-container");
        session.DefaultedContainerNotice.Should().Be("Defaulted container \"nginx-container\" out of: nginx-container, debian-container");
        var stdout = await new StreamReader(session.StdoutStream).ReadToEndAsync();
        stdout.Should().Be("index.html\n");

        var kubectl = await _e.Kubectl(null, "exec", "two-containers", "--", "ls", "/usr/share/nginx/html");
        kubectl.StdErr.Should().Be(session.DefaultedContainerNotice + "\n");
        kubectl.StdOut.Should().Be(stdout);

        var init = await _e.Kubectl(null, "exec", "with-init", "--", "hostname");
        init.StdErr.Should().Be("Defaulted container \"app\" out of: app, setup (init)\n");
    }

    [Fact]
    public async Task Curl_localhost_in_the_nginx_container_reads_what_the_debian_container_wrote()
    {
        await _e.WaitForTwoContainersAsync();
        var result = await _e.Exec.RunAsync("default", "two-containers", ["curl", "-s", "localhost"], "nginx-container");
        result.StdoutText.Should().Be("debian 컨테이너에서 안녕하세요\n");
        result.ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task A_missing_pod_is_a_typed_error_with_the_apiservers_text()
    {
        var act = () => _e.Exec.RunAsync("default", "ghost", ["true"]);
        var error = (await act.Should().ThrowAsync<ExecException>()).Which;
        error.Kind.Should().Be(ExecErrorKind.PodNotFound);
        error.ApiServerMessage.Should().Be("pods \"ghost\" not found");
        error.Pod.Should().Be("ghost");
        error.Namespace.Should().Be("default");
        error.StatusCode.Should().Be(404);
    }

    [Fact]
    public async Task An_unknown_container_is_a_typed_error()
    {
        var act = () => _e.Exec.RunAsync("default", "shell-demo", ["true"], "nope");
        var error = (await act.Should().ThrowAsync<ExecException>()).Which;
        error.Kind.Should().Be(ExecErrorKind.ContainerNotFound);
        error.ApiServerMessage.Should().Be("container nope is not valid for pod shell-demo");
        error.Container.Should().Be("nope");
        error.StatusCode.Should().Be(400);
    }

    [Fact]
    public async Task A_terminated_container_is_a_typed_error()
    {
        await _e.WaitForTwoContainersAsync();
        var act = () => _e.Exec.RunAsync("default", "two-containers", ["true"], "debian-container");
        var error = (await act.Should().ThrowAsync<ExecException>()).Which;
        error.Kind.Should().Be(ExecErrorKind.ContainerNotRunning);
        error.ApiServerMessage.Should().Be("container not found (\"debian-container\")");
        error.Container.Should().Be("debian-container");
    }

    [Fact]
    public async Task A_command_the_runtime_cannot_start_is_a_typed_error()
    {
        var act = () => _e.Exec.RunAsync("default", "shell-demo", ["nosuchbinary", "-x"]);
        var error = (await act.Should().ThrowAsync<ExecException>()).Which;
        error.Kind.Should().Be(ExecErrorKind.CommandNotFound);
        error.ApiServerMessage.Should().Contain("exec: \"nosuchbinary\": executable file not found in $PATH");
        error.Container.Should().Be("nginx");
    }

    [Fact]
    public async Task Bad_requests_raise_typed_errors_before_any_connection()
    {
        var noCommand = () => _e.Exec.StartAsync(new ExecRequest { Pod = "shell-demo", Command = [] });
        (await noCommand.Should().ThrowAsync<ExecException>()).Which.Kind.Should().Be(ExecErrorKind.InvalidRequest);
        var noStreams = () => _e.Exec.StartAsync(new ExecRequest { Pod = "shell-demo", Command = ["true"], Stdout = false, Stderr = false });
        (await noStreams.Should().ThrowAsync<ExecException>()).Which.Kind.Should().Be(ExecErrorKind.InvalidRequest);
        var noPod = () => _e.Exec.StartAsync(new ExecRequest { Pod = "", Command = ["true"] });
        (await noPod.Should().ThrowAsync<ExecException>()).Which.Kind.Should().Be(ExecErrorKind.InvalidRequest);

        await using var session = await _e.Exec.StartAsync(new ExecRequest { Pod = "shell-demo", Command = ["true"] });
        var write = () => session.WriteStdinAsync(new byte[1]).AsTask();
        (await write.Should().ThrowAsync<ExecException>()).Which.Kind.Should().Be(ExecErrorKind.InvalidRequest);
        var resize = () => session.ResizeAsync(-1, 3).AsTask();
        (await resize.Should().ThrowAsync<ExecException>()).Which.Kind.Should().Be(ExecErrorKind.InvalidRequest);
        (await session.WaitForExitAsync()).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task A_forbidden_upgrade_is_a_typed_error()
    {
        var error = await RunTrueRefusedByAsync(r => string.Equals(r.Subresource, "exec", StringComparison.Ordinal));
        error.Kind.Should().Be(ExecErrorKind.UpgradeRejected);
        error.StatusCode.Should().Be(403);
        error.ApiServerMessage.Should().Contain("forbidden");
    }

    [Fact]
    public async Task A_pod_that_may_not_be_read_is_a_typed_error_naming_the_read()
    {
        // The pod is read first (phase, containers): a refusal there names that read and the server's words.
        var error = await RunTrueRefusedByAsync(r => r.Verb == "get" && r.Resource == "pods" && r.Subresource is null && r.Name == "p");
        error.Kind.Should().Be(ExecErrorKind.UpgradeRejected);
        error.StatusCode.Should().Be(403);
        error.Message.Should().StartWith("get pod default/p: ").And.Contain("forbidden").And.EndWith("(403 Forbidden)");
    }

    /// <summary>Runs <c>true</c> in pod p on an emulator that forbids what <paramref name="refused"/> matches; returns the error.</summary>
    private static async Task<ExecException> RunTrueRefusedByAsync(Func<Kube.Access.Testing.EmulatorAccessRequest, bool> refused)
    {
        await using var session = await EmulatorSession.StartAsync(configure: o => o.Authorize = r => !refused(r));
        var connection = session.Connection;
        await connection.Client.CoreV1.CreateNamespacedPodAsync(ExecEmulator.Pod("p", [ExecEmulator.Container("c", "nginx")]), "default");
        var act = () => new PodExec(connection).RunAsync("default", "p", ["true"]);
        return (await act.Should().ThrowAsync<ExecException>()).Which;
    }

    /// <summary>shell-demo's nginx runs a process that prints "partial\n" and then never ends; the task completes once it printed.</summary>
    private Task BindPartialOutputThenHang()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _e.Api.BindExec("default", "shell-demo", "nginx", async (process, ct) =>
        {
            await process.Stdout.WriteAsync("partial\n"u8.ToArray(), ct);
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        });
        return started.Task;
    }

    [Fact]
    public async Task A_connection_dropped_mid_stream_ends_the_session_with_a_typed_error()
    {
        var started = BindPartialOutputThenHang();

        await using var session = await _e.Exec.StartAsync(new ExecRequest { Pod = "shell-demo", Command = ["server"] });
        var read = await session.Stdout.ReadAtLeastAsync(8);
        Encoding.UTF8.GetString(read.Buffer.ToArray()).Should().Be("partial\n");
        session.Stdout.AdvanceTo(read.Buffer.End);
        await started;

        await _e.DisposeAsync(); // the API server goes away in the middle of the command

        var wait = () => session.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var error = (await wait.Should().ThrowAsync<ExecException>()).Which;
        error.Kind.Should().Be(ExecErrorKind.ConnectionLost);
        error.Pod.Should().Be("shell-demo");
        error.Container.Should().Be("nginx");
    }

    [Fact]
    public async Task A_connection_reset_mid_stream_fails_the_readers_and_the_exit_with_typed_errors()
    {
        var started = BindPartialOutputThenHang();

        await using var relay = new TcpRelay(_e.Api.Url.Port);
        await using var connection = new KubeConnectionFactory().Create(_e.Api.CreateEndpoint(@namespace: null) with { Server = relay.Url });
        await using var session = await new PodExec(connection).StartAsync(new ExecRequest { Namespace = "default", Pod = "shell-demo", Command = ["server"] });
        var read = await session.Stdout.ReadAtLeastAsync(8);
        Encoding.UTF8.GetString(read.Buffer.ToArray()).Should().Be("partial\n");
        session.Stdout.AdvanceTo(read.Buffer.End);
        await started;

        relay.Drop();

        var readMore = () => session.Stdout.ReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));
        (await readMore.Should().ThrowAsync<ExecException>()).Which.Kind.Should().Be(ExecErrorKind.ConnectionLost);
        var wait = () => session.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var error = (await wait.Should().ThrowAsync<ExecException>()).Which;
        error.Kind.Should().Be(ExecErrorKind.ConnectionLost);
        error.Message.Should().Contain("shell-demo");
    }

    [Fact]
    public async Task An_aborted_connection_fails_the_output_readers_with_a_typed_error()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _e.Api.BindExec("default", "shell-demo", "nginx", async (process, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        });

        var session = await _e.Exec.StartAsync(new ExecRequest { Pod = "shell-demo", Command = ["server"] });
        await started.Task;
        var reading = session.Stdout.ReadAsync().AsTask();
        await session.DisposeAsync();
        var act = () => reading.WaitAsync(TimeSpan.FromMinutes(1));
        (await act.Should().ThrowAsync<ExecException>()).Which.Kind.Should().Be(ExecErrorKind.ConnectionLost);
    }

    [Fact]
    public async Task Cancelling_RunAsync_drops_the_session_and_the_process_sees_the_client_go()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _e.Api.BindExec("default", "shell-demo", "nginx", async (process, ct) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                ended.TrySetResult();
            }

            return 0;
        });

        using var cts = new CancellationTokenSource();
        var run = _e.Exec.RunAsync("default", "shell-demo", ["server"], cancellationToken: cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await cts.CancelAsync();
        var act = () => run.WaitAsync(TimeSpan.FromMinutes(1));
        await act.Should().ThrowAsync<OperationCanceledException>();
        await ended.Task.WaitAsync(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task AddKubeAccess_registers_IPodExec_over_the_default_connection()
    {
        var services = new ServiceCollection();
        services.AddKubeAccess(o => o.Endpoint = _e.Api.CreateEndpoint(@namespace: null));
        await using var provider = services.BuildServiceProvider();
        var exec = provider.GetRequiredService<IPodExec>();
        exec.Should().BeOfType<PodExec>();
        (await exec.RunAsync(null, "shell-demo", ["hostname"])).StdoutText.Should().Be("shell-demo\n");
    }
}
