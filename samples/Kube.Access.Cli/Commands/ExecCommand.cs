using System.CommandLine;
using System.IO.Pipelines;
using Kube.Access.Exec;

namespace Kube.Access.Cli.Commands;

/// <summary>
/// <c>kube-access exec [-i] [-t] POD [-c CONTAINER] [-n NAMESPACE] -- COMMAND [ARGS...]</c> and
/// <c>kube-access attach [-i] [-t] POD [-c CONTAINER] [-n NAMESPACE]</c>, behaving like kubectl: stdin forwarded with
/// <c>-i</c> and closed at its end, a raw terminal with <c>-t</c> when stdin is one, the window size sent at start
/// and whenever it changes, exit status = the remote command's (with kubectl's <c>command terminated with exit code N</c>).
/// </summary>
internal static class ExecCommand
{
    public static Command Create()
    {
        var pod = new Argument<string>("POD") { Description = "The pod: NAME, pod/NAME, or deployment/, replicaset/, service/NAME (a pod of it, as kubectl picks)." };
        var commandLine = new Argument<string[]>("COMMAND") { Description = "The command and its arguments, after --.", Arity = ArgumentArity.ZeroOrMore };
        var (container, ns, stdin, tty, quiet) = CommonOptions();
        var command = new Command("exec", "Execute a command in a container (as kubectl exec).") { pod, commandLine, container, stdin, tty, quiet };
        command.SetAction((ParseResult r, CancellationToken ct) =>
        {
            // kubectl's rules: a command is required, and only after -- (the old `exec POD COMMAND` form is refused).
            var words = r.GetValue(commandLine) ?? [];
            if (words.Length == 0)
            {
                Console.Error.WriteLine("error: you must specify at least one command for the container");
                return Task.FromResult(1);
            }

            if (!r.Tokens.Any(t => t.Type == System.CommandLine.Parsing.TokenType.DoubleDash))
            {
                return Task.FromResult(CliConnection.UsageError("exec", "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead"));
            }

            return RunAsync(r, attach: false, r.GetValue(pod)!, words, container, ns, stdin, tty, quiet, ct);
        });
        return command;
    }

    public static Command CreateAttach()
    {
        var pod = new Argument<string>("POD") { Description = "The pod: NAME, pod/NAME, or deployment/, replicaset/, service/NAME (a pod of it, as kubectl picks)." };
        var (container, ns, stdin, tty, quiet) = CommonOptions();
        var command = new Command("attach", "Attach to a process that is already running inside a container (as kubectl attach).") { pod, container, stdin, tty, quiet };
        command.SetAction((ParseResult r, CancellationToken ct) => RunAsync(r, attach: true, r.GetValue(pod)!, [], container, ns, stdin, tty, quiet, ct));
        return command;
    }

    private static (Option<string?> Container, Option<string?> Namespace, Option<bool> Stdin, Option<bool> Tty, Option<bool> Quiet) CommonOptions() => (
        new Option<string?>("--container", "-c") { Description = "Container name. If omitted, the kubectl.kubernetes.io/default-container annotation, else the first container." },
        CliConnection.Namespace,
        new Option<bool>("--stdin", "-i") { Description = "Pass stdin to the container (closed at its end)." },
        new Option<bool>("--tty", "-t") { Description = "Stdin is a TTY (raw terminal, window size forwarded)." },
        new Option<bool>("--quiet", "-q") { Description = "Only print output from the remote session." });

    private static async Task<int> RunAsync(
        ParseResult r, bool attach, string podArgument, string[] commandLine,
        Option<string?> containerOption, Option<string?> nsOption, Option<bool> stdinOption, Option<bool> ttyOption, Option<bool> quietOption, CancellationToken ct)
    {
        var podName = podArgument;
        var quiet = r.GetValue(quietOption);
        var stdin = r.GetValue(stdinOption);
        var tty = r.GetValue(ttyOption);
        // kubectl: a TTY needs stdin, and stdin must be a terminal.
        if (tty && !stdin)
        {
            tty = false;
        }
        else if (tty && Console.IsInputRedirected)
        {
            tty = false;
            if (!quiet)
            {
                Console.Error.WriteLine("Unable to use a TTY - input is not a terminal or the right kind of file");
            }
        }

        try
        {
            await using var connection = await CliConnection.CreateAsync(r, ct).ConfigureAwait(false);
            // kubectl's TYPE/NAME: pod/x, or deploy/x, rs/x, svc/x resolved to the pod kubectl would pick.
            var target = Kube.Access.PortForward.PortForwardTarget.Parse(podArgument, r.GetValue(nsOption));
            podName = target.Kind == Kube.Access.PortForward.PortForwardTargetKind.Pod
                ? target.Name
                : (await target.ResolvePodAsync(connection, cancellationToken: ct).ConfigureAwait(false)).Metadata.Name;
            var exec = new PodExec(connection);
            var size = tty ? WindowSize() : null;
            var session = attach
                ? await exec.AttachAsync(new AttachRequest { Namespace = r.GetValue(nsOption), Pod = podName, Container = r.GetValue(containerOption), Stdin = stdin, Tty = tty, InitialTerminalSize = size }, ct).ConfigureAwait(false)
                : await exec.StartAsync(new ExecRequest { Namespace = r.GetValue(nsOption), Pod = podName, Container = r.GetValue(containerOption), Command = commandLine, Stdin = stdin, Tty = tty, InitialTerminalSize = size }, ct).ConfigureAwait(false);
            await using (session.ConfigureAwait(false))
            {
                if (session.DefaultedContainerNotice is { } notice && !quiet)
                {
                    Console.Error.WriteLine(notice);
                }

                if (session.TtyNotice is { } ttyNotice && !quiet)
                {
                    Console.Error.WriteLine($"error: {ttyNotice}");
                }

                if (attach && !quiet)
                {
                    Console.Error.WriteLine("If you don't see a command prompt, try pressing enter.");
                }

                // attach follows the container: a terminal it has is used (raw only when stdin is one), one it lacks is dropped.
                return await PumpAsync(session, stdin, session.Tty && stdin && !Console.IsInputRedirected, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return 130;
        }
        catch (ExecException e) when (e.Kind is ExecErrorKind.PodNotFound or ExecErrorKind.ContainerNotFound)
        {
            // The API server's answers to an unknown pod (NotFound) and container (BadRequest), as kubectl prints them.
            Console.Error.WriteLine($"Error from server ({(e.Kind == ExecErrorKind.PodNotFound ? "NotFound" : "BadRequest")}): {e.ApiServerMessage ?? e.Message}");
            return 1;
        }
        catch (KubeAccessException e)
        {
            return CliConnection.ReportError(e);
        }
    }

    private static async Task<int> PumpAsync(ExecSession session, bool stdin, bool tty, CancellationToken ct)
    {
        using var raw = tty ? RawTerminal.Enter() : null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var stdout = CopyOutAsync(session.Stdout, Console.OpenStandardOutput(), stop.Token);
        var stderr = CopyOutAsync(session.Stderr, Console.OpenStandardError(), stop.Token);
        var stdinFailure = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (stdin)
        {
            // Not awaited: a command may end before its input does (an interactive shell that exits).
            _ = Task.Run(async () =>
            {
                try
                {
                    await CopyStdinAsync(session, raw is not null, stop.Token).ConfigureAwait(false);
                }
                catch (ExecException e) when (e.Kind == ExecErrorKind.StdinCloseUnsupported)
                {
                    stdinFailure.TrySetResult(e);
                }
                catch (ExecException)
                {
                    // A lost connection shows in the exit status.
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    // The session ended first.
                }
            }, CancellationToken.None);
        }

        var resizing = tty ? WatchWindowSizeAsync(session, stop.Token) : Task.CompletedTask;
        try
        {
            var exit = session.WaitForExitAsync(stop.Token);
            var first = await Task.WhenAny(exit, stdinFailure.Task).ConfigureAwait(false);
            if (first == stdinFailure.Task)
            {
                // v4 cannot end stdin: say so instead of waiting for ever.
                throw await stdinFailure.Task.ConfigureAwait(false);
            }

            var result = await exit.ConfigureAwait(false);
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
            raw?.Dispose();
            if (result.ExitCode != 0)
            {
                Console.Error.WriteLine($"command terminated with exit code {result.ExitCode}");
            }

            return result.ExitCode;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await resizing.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static async Task CopyOutAsync(PipeReader reader, Stream target, CancellationToken ct)
    {
        while (true)
        {
            var read = await reader.ReadAsync(ct).ConfigureAwait(false);
            foreach (var segment in read.Buffer)
            {
                await target.WriteAsync(segment, ct).ConfigureAwait(false);
            }

            await target.FlushAsync(ct).ConfigureAwait(false);
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return;
            }
        }
    }

    private static async Task CopyStdinAsync(ExecSession session, bool rawTerminal, CancellationToken ct)
    {
        // In raw mode, read file descriptor 0 directly: Console's own stream would put the terminal back in its
        // cooked settings (echo, line editing) before each read.
        await using var input = rawTerminal
            ? new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0)
            : Console.OpenStandardInput();
        var buffer = new byte[32 * 1024];
        int read;
        while ((read = await input.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await session.WriteStdinAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
        }

        await session.CloseStdinAsync(ct).ConfigureAwait(false);
    }

    private static ExecTerminalSize? WindowSize()
    {
        try
        {
            return Console.IsOutputRedirected ? null : new ExecTerminalSize(Console.WindowWidth, Console.WindowHeight);
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Polls the window size (SIGWINCH has no PosixSignalRegistration) and sends each change.</summary>
    private static async Task WatchWindowSizeAsync(ExecSession session, CancellationToken ct)
    {
        var last = WindowSize();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            var now = WindowSize();
            if (now is { } size && now != last)
            {
                last = now;
                try
                {
                    await session.ResizeAsync(size.Width, size.Height, ct).ConfigureAwait(false);
                }
                catch (ExecException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The terminal in raw mode (no echo, no line editing, no signals: Ctrl+C goes to the remote process) until
    /// disposed, through libc's tcgetattr/cfmakeraw/tcsetattr on stdin (Linux and macOS). The termios structure is
    /// kept opaque in a buffer larger than either platform's.
    /// </summary>
    private sealed class RawTerminal : IDisposable
    {
        private const int TermiosBufferSize = 256;
        private byte[]? _saved;

        private RawTerminal(byte[] saved) => _saved = saved;

        public static RawTerminal? Enter()
        {
            if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
            {
                return null;
            }

            try
            {
                var saved = new byte[TermiosBufferSize];
                if (TcGetAttr(0, saved) != 0)
                {
                    return null;
                }

                var raw = (byte[])saved.Clone();
                CfMakeRaw(raw);
                return TcSetAttr(0, 0, raw) == 0 ? new RawTerminal(saved) : null;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _saved, null) is { } saved)
            {
                _ = TcSetAttr(0, 0, saved);
            }
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "tcgetattr")]
        private static extern int TcGetAttr(int fd, [System.Runtime.InteropServices.In, System.Runtime.InteropServices.Out] byte[] termios);

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "tcsetattr")]
        private static extern int TcSetAttr(int fd, int optionalActions, byte[] termios);

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "cfmakeraw")]
        private static extern void CfMakeRaw([System.Runtime.InteropServices.In, System.Runtime.InteropServices.Out] byte[] termios);
    }
}
