using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;

namespace Kube.Access.Testing.Streaming;

/// <summary>The three standard streams of a built-in command.</summary>
internal sealed record ShellIO(Stream In, Stream Out, Stream Err);

/// <summary>
/// The emulator's built-in shell and commands (dash-like messages): <c>sh</c>/<c>bash</c>
/// (<c>-c</c>, interactive with a prompt under a tty), echo, cat, ls, env, hostname, ps, sleep,
/// exit, true, false, pwd, cd, mkdir, rm, touch, curl to the pod's own ports.
/// </summary>
internal sealed class MiniShell
{
    private static readonly HashSet<string> Shells = ["sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/bash", "/usr/bin/sh"];

    private static readonly HashSet<string> Builtins =
    [
        "echo", "cat", "ls", "env", "printenv", "hostname", "ps", "sleep", "exit", "true", "false", "pwd", "cd", "mkdir", "rm", "touch", "curl", ":",
    ];

    private readonly EmulatedContainer _container;
    private readonly Dictionary<string, string> _variables;
    private string _cwd = "/";
    private int _lastStatus;
    private int? _exitRequested;

    public MiniShell(EmulatedContainer container)
    {
        _container = container;
        _variables = new Dictionary<string, string>(container.Environment, StringComparer.Ordinal);
    }

    /// <summary>Whether a command name is served by this shell (directly executable).</summary>
    public static bool Knows(string command) => Shells.Contains(command) || Builtins.Contains(Path.GetFileName(command));

    /// <summary>Runs an argv as the container runtime would exec it.</summary>
    public async Task<int> ExecAsync(IReadOnlyList<string> argv, ShellIO io, bool tty, CancellationToken ct)
    {
        var pid = _container.Start(string.Join(' ', argv), tty);
        try
        {
            return await RunArgvAsync(argv, io, tty, ct).ConfigureAwait(false);
        }
        finally
        {
            _container.Exit(pid);
        }
    }

    private async Task<int> RunArgvAsync(IReadOnlyList<string> argv, ShellIO io, bool tty, CancellationToken ct)
    {
        if (Shells.Contains(argv[0]))
        {
            var shellName = Path.GetFileName(argv[0]);
            if (argv.Count >= 3 && argv[1] == "-c")
            {
                return await RunScriptAsync(argv[2], io, shellName, ct).ConfigureAwait(false);
            }

            if (argv.Count == 2 && argv[1] == "-c")
            {
                await WriteAsync(io.Err, $"{shellName}: -c: option requires an argument\n", ct).ConfigureAwait(false);
                return 2;
            }

            return await InteractiveAsync(io, tty, shellName, ct).ConfigureAwait(false);
        }

        return await RunBuiltinAsync(argv, io, "sh", ct).ConfigureAwait(false);
    }

    /// <summary>Runs a script as <c>sh -c</c> does.</summary>
    public async Task<int> RunScriptAsync(string script, ShellIO io, string shellName, CancellationToken ct)
    {
        ShellScript parsed;
        try
        {
            parsed = ShellParser.Parse(script);
        }
        catch (ShellSyntaxException ex)
        {
            await WriteAsync(io.Err, $"{shellName}: 1: {ex.Message}\n", ct).ConfigureAwait(false);
            return 2;
        }

        foreach (var (op, pipeline) in parsed.Steps)
        {
            if ((op == "&&" && _lastStatus != 0) || (op == "||" && _lastStatus == 0))
            {
                continue;
            }

            _lastStatus = await RunPipelineAsync(pipeline, io, shellName, ct).ConfigureAwait(false);
            if (_exitRequested is { } code)
            {
                return code;
            }
        }

        return _lastStatus;
    }

    private async Task<int> RunPipelineAsync(ShellPipeline pipeline, ShellIO io, string shellName, CancellationToken ct)
    {
        var input = io.In;
        var status = 0;
        for (var i = 0; i < pipeline.Commands.Count; i++)
        {
            var last = i == pipeline.Commands.Count - 1;
            var output = last ? io.Out : new MemoryStream();
            status = await RunCommandAsync(pipeline.Commands[i], new ShellIO(input, output, io.Err), shellName, ct).ConfigureAwait(false);
            if (!last)
            {
                output.Position = 0;
                input = output;
            }

            if (_exitRequested is not null)
            {
                break;
            }
        }

        return status;
    }

    private string Variable(string name) => name switch
    {
        "?" => _lastStatus.ToString(CultureInfo.InvariantCulture),
        "$" => "1",
        "0" => "sh",
        "PWD" => _cwd,
        _ => _variables.TryGetValue(name, out var value) ? value : string.Empty,
    };

    private async Task<int> RunCommandAsync(ShellCommand command, ShellIO io, string shellName, CancellationToken ct)
    {
        var argv = command.Words.Select(w => w.Expand(Variable)).ToList();
        var stdin = io.In;
        var stdout = io.Out;
        var stderr = io.Err;
        MemoryStream? captured = null;
        MemoryStream? capturedErr = null;
        string? outPath = null;
        string? errPath = null;
        if (command.StdinFile is { } inFile)
        {
            var path = ContainerFileSystem.Normalize(_cwd, inFile.Expand(Variable));
            if (!_container.Files.TryRead(path, out var content))
            {
                await WriteAsync(io.Err, $"{shellName}: 1: cannot open {inFile.Expand(Variable)}: No such file\n", ct).ConfigureAwait(false);
                return 2;
            }

            stdin = new MemoryStream(content, writable: false);
        }

        if (command.StdoutFile is { } outFile)
        {
            var name = outFile.Expand(Variable);
            if (name == "/dev/null")
            {
                stdout = Stream.Null;
            }
            else
            {
                outPath = ContainerFileSystem.Normalize(_cwd, name);
                if (!_container.Files.Write(outPath, [], append: true))
                {
                    await WriteAsync(io.Err, $"{shellName}: 1: cannot create {name}: {(_container.Files.IsDirectory(outPath) ? "Is a directory" : "Directory nonexistent")}\n", ct).ConfigureAwait(false);
                    return 2;
                }

                stdout = captured = new MemoryStream();
            }
        }

        if (command.StdoutToStderr)
        {
            stdout = stderr;
        }

        if (command.StderrToStdout)
        {
            stderr = stdout;
        }
        else if (command.StderrFile is { } errFile)
        {
            var name = errFile.Expand(Variable);
            if (name == "/dev/null")
            {
                stderr = Stream.Null;
            }
            else
            {
                errPath = ContainerFileSystem.Normalize(_cwd, name);
                stderr = capturedErr = new MemoryStream();
            }
        }

        var status = argv.Count == 0 ? 0 : await RunBuiltinAsync(argv, new ShellIO(stdin, stdout, stderr), shellName, ct).ConfigureAwait(false);
        if (outPath is not null && captured is not null)
        {
            _container.Files.Write(outPath, captured.ToArray(), command.Append);
        }

        if (errPath is not null && capturedErr is not null)
        {
            _container.Files.Write(errPath, capturedErr.ToArray(), append: false);
        }

        return status;
    }

    private async Task<int> RunBuiltinAsync(IReadOnlyList<string> argv, ShellIO io, string shellName, CancellationToken ct)
    {
        var name = argv[0];
        if (Shells.Contains(name))
        {
            var nested = new MiniShell(_container) { _cwd = _cwd };
            return await nested.RunArgvAsync(argv, io, tty: false, ct).ConfigureAwait(false);
        }

        var command = name.Contains('/', StringComparison.Ordinal) && name.StartsWith("/bin/", StringComparison.Ordinal) || name.StartsWith("/usr/bin/", StringComparison.Ordinal)
            ? Path.GetFileName(name)
            : name;
        var args = argv.Skip(1).ToList();
        switch (command)
        {
            case "true":
            case ":":
                return 0;
            case "false":
                return 1;
            case "exit":
                var code = _lastStatus;
                if (args.Count > 0 && !int.TryParse(args[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out code))
                {
                    await WriteAsync(io.Err, $"{shellName}: 1: exit: Illegal number: {args[0]}\n", ct).ConfigureAwait(false);
                    code = 2;
                }

                _exitRequested = code & 0xFF;
                return code & 0xFF;
            case "echo":
                var newline = true;
                if (args.Count > 0 && args[0] == "-n")
                {
                    newline = false;
                    args.RemoveAt(0);
                }

                await WriteAsync(io.Out, string.Join(' ', args) + (newline ? "\n" : string.Empty), ct).ConfigureAwait(false);
                return 0;
            case "pwd":
                await WriteAsync(io.Out, _cwd + "\n", ct).ConfigureAwait(false);
                return 0;
            case "cd":
                var target = ContainerFileSystem.Normalize(_cwd, args.Count > 0 ? args[0] : Variable("HOME") is { Length: > 0 } home ? home : "/");
                if (!_container.Files.IsDirectory(target))
                {
                    await WriteAsync(io.Err, $"{shellName}: 1: cd: can't cd to {(args.Count > 0 ? args[0] : target)}\n", ct).ConfigureAwait(false);
                    return 2;
                }

                _cwd = target;
                return 0;
            case "hostname":
                await WriteAsync(io.Out, _container.Pod + "\n", ct).ConfigureAwait(false);
                return 0;
            case "env":
            case "printenv":
                if (command == "printenv" && args.Count > 0)
                {
                    if (!_variables.TryGetValue(args[0], out var value))
                    {
                        return 1;
                    }

                    await WriteAsync(io.Out, value + "\n", ct).ConfigureAwait(false);
                    return 0;
                }

                var env = new StringBuilder();
                foreach (var (key, value) in _variables)
                {
                    env.Append(key).Append('=').Append(value).Append('\n');
                }

                await WriteAsync(io.Out, env.ToString(), ct).ConfigureAwait(false);
                return 0;
            case "sleep":
                if (args.Count == 0 || !double.TryParse(args[0].TrimEnd('s'), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
                {
                    await WriteAsync(io.Err, args.Count == 0 ? "sleep: missing operand\n" : $"sleep: invalid time interval '{args[0]}'\n", ct).ConfigureAwait(false);
                    return 1;
                }

                await Task.Delay(TimeSpan.FromSeconds(Math.Min(seconds, int.MaxValue / 1000.0)), ct).ConfigureAwait(false);
                return 0;
            case "ps":
                var ps = new StringBuilder("    PID TTY          TIME CMD\n");
                foreach (var (pid, (cmd, tty)) in _container.Processes.OrderBy(p => p.Key))
                {
                    ps.Append(pid.ToString(CultureInfo.InvariantCulture).PadLeft(7)).Append(' ')
                        .Append((tty ? "pts/0" : "?").PadRight(8)).Append(" 00:00:00 ")
                        .Append(Path.GetFileName(cmd.Split(' ')[0])).Append('\n');
                }

                await WriteAsync(io.Out, ps.ToString(), ct).ConfigureAwait(false);
                return 0;
            case "cat":
                return await CatAsync(args, io, ct).ConfigureAwait(false);
            case "ls":
                return await LsAsync(args, io, ct).ConfigureAwait(false);
            case "mkdir":
                foreach (var dir in args.Where(a => !a.StartsWith('-')))
                {
                    _container.Files.MakeDirectory(ContainerFileSystem.Normalize(_cwd, dir));
                }

                return 0;
            case "touch":
                foreach (var file in args.Where(a => !a.StartsWith('-')))
                {
                    if (!_container.Files.Write(ContainerFileSystem.Normalize(_cwd, file), [], append: true))
                    {
                        await WriteAsync(io.Err, $"touch: cannot touch '{file}': No such file or directory\n", ct).ConfigureAwait(false);
                        return 1;
                    }
                }

                return 0;
            case "rm":
                var force = args.Contains("-f") || args.Contains("-rf");
                foreach (var file in args.Where(a => !a.StartsWith('-')))
                {
                    if (!_container.Files.Remove(ContainerFileSystem.Normalize(_cwd, file)) && !force)
                    {
                        await WriteAsync(io.Err, $"rm: cannot remove '{file}': No such file or directory\n", ct).ConfigureAwait(false);
                        return 1;
                    }
                }

                return 0;
            case "curl":
                return await CurlAsync(args, io, ct).ConfigureAwait(false);
            default:
                await WriteAsync(io.Err, $"{shellName}: 1: {name}: not found\n", ct).ConfigureAwait(false);
                return 127;
        }
    }

    private async Task<int> CatAsync(List<string> args, ShellIO io, CancellationToken ct)
    {
        var files = args.Where(a => a == "-" || !a.StartsWith('-')).ToList();
        if (files.Count == 0)
        {
            files.Add("-");
        }

        var status = 0;
        foreach (var file in files)
        {
            if (file == "-")
            {
                await CopyAsync(io.In, io.Out, ct).ConfigureAwait(false);
                continue;
            }

            var path = ContainerFileSystem.Normalize(_cwd, file);
            if (_container.Files.TryRead(path, out var content))
            {
                await io.Out.WriteAsync(content, ct).ConfigureAwait(false);
            }
            else
            {
                await WriteAsync(io.Err, $"cat: {file}: {(_container.Files.IsDirectory(path) ? "Is a directory" : "No such file or directory")}\n", ct).ConfigureAwait(false);
                status = 1;
            }
        }

        return status;
    }

    private async Task<int> LsAsync(List<string> args, ShellIO io, CancellationToken ct)
    {
        var all = args.Any(a => a.StartsWith('-') && a.Contains('a', StringComparison.Ordinal));
        var paths = args.Where(a => !a.StartsWith('-')).ToList();
        if (paths.Count == 0)
        {
            paths.Add(".");
        }

        var status = 0;
        var output = new StringBuilder();
        foreach (var p in paths)
        {
            var path = ContainerFileSystem.Normalize(_cwd, p);
            if (_container.Files.IsFile(path))
            {
                output.Append(p).Append('\n');
            }
            else if (_container.Files.IsDirectory(path))
            {
                if (paths.Count > 1)
                {
                    output.Append(p).Append(":\n");
                }

                if (all)
                {
                    output.Append(".\n..\n");
                }

                foreach (var entry in _container.Files.List(path))
                {
                    output.Append(entry.TrimEnd('/')).Append('\n');
                }
            }
            else
            {
                await WriteAsync(io.Err, $"ls: cannot access '{p}': No such file or directory\n", ct).ConfigureAwait(false);
                status = 2;
            }
        }

        await WriteAsync(io.Out, output.ToString(), ct).ConfigureAwait(false);
        return status;
    }

    private async Task<int> CurlAsync(List<string> args, ShellIO io, CancellationToken ct)
    {
        var silent = args.Any(a => a.StartsWith('-') && !a.StartsWith("--", StringComparison.Ordinal) && a.Contains('s', StringComparison.Ordinal)) || args.Contains("--silent");
        var showError = args.Any(a => a.StartsWith('-') && !a.StartsWith("--", StringComparison.Ordinal) && a.Contains('S', StringComparison.Ordinal)) || args.Contains("--show-error");
        var includeHeaders = args.Any(a => a.StartsWith('-') && !a.StartsWith("--", StringComparison.Ordinal) && a.Contains('i', StringComparison.Ordinal)) || args.Contains("--include");
        var urlText = args.FirstOrDefault(a => !a.StartsWith('-'));
        if (urlText is null)
        {
            await WriteAsync(io.Err, "curl: try 'curl --help' or 'curl --manual' for more information\n", ct).ConfigureAwait(false);
            return 2;
        }

        var withScheme = urlText.Contains("://", StringComparison.Ordinal) ? urlText : "http://" + urlText;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            await WriteAsync(io.Err, $"curl: (3) URL rejected: Malformed input to a URL function\n", ct).ConfigureAwait(false);
            return 3;
        }

        async Task<int> Fail(int code, string message)
        {
            if (!silent || showError)
            {
                await WriteAsync(io.Err, $"curl: ({code}) {message}\n", ct).ConfigureAwait(false);
            }

            return code;
        }

        if (url.Host is not ("localhost" or "127.0.0.1" or "[::1]" or "::1"))
        {
            return await Fail(6, $"Could not resolve host: {url.Host}").ConfigureAwait(false);
        }

        var port = url.Port;
        var endPoint = _container.LocalPort(port);
        if (endPoint is not IPEndPoint ip)
        {
            return await Fail(7, $"Failed to connect to {url.Host} port {port} after 0 ms: Couldn't connect to server").ConfigureAwait(false);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{url.Scheme}://{ip.Address}:{ip.Port}{url.PathAndQuery}"));
        request.Headers.Host = url.IsDefaultPort ? url.Host : $"{url.Host}:{port}";
        request.Headers.UserAgent.ParseAdd("curl/7.88.1");
        request.Headers.Accept.ParseAdd("*/*");
        try
        {
            using var response = await _container.Http.SendAsync(request, ct).ConfigureAwait(false);
            if (includeHeaders)
            {
                var head = new StringBuilder($"HTTP/1.1 {(int)response.StatusCode} {response.ReasonPhrase}\r\n");
                foreach (var (key, values) in response.Headers.Concat(response.Content.Headers))
                {
                    head.Append(key).Append(": ").Append(string.Join(", ", values)).Append("\r\n");
                }

                await WriteAsync(io.Out, head.Append("\r\n").ToString(), ct).ConfigureAwait(false);
            }

            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await CopyAsync(body, io.Out, ct).ConfigureAwait(false);
            return 0;
        }
        catch (HttpRequestException)
        {
            return await Fail(7, $"Failed to connect to {url.Host} port {port} after 0 ms: Couldn't connect to server").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// An interactive shell on stdin. With a tty: prompt <c>root@pod:/# </c>, echo of typed
    /// characters, backspace, Ctrl-C and Ctrl-D. Without: reads commands line by line until EOF.
    /// </summary>
    private async Task<int> InteractiveAsync(ShellIO io, bool tty, string shellName, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var line = new StringBuilder();
        var pending = new List<byte>();
        try
        {
            if (tty)
            {
                await WriteAsync(io.Out, Prompt(), ct).ConfigureAwait(false);
            }

            while (true)
            {
                var n = await io.In.ReadAsync(buffer.AsMemory(), ct).ConfigureAwait(false);
                if (n == 0)
                {
                    if (line.Length > 0 && !tty)
                    {
                        await RunLineAsync(line.ToString(), io, shellName, ct).ConfigureAwait(false);
                    }

                    if (tty)
                    {
                        await WriteAsync(io.Out, "exit\n", ct).ConfigureAwait(false);
                    }

                    return _exitRequested ?? _lastStatus;
                }

                pending.AddRange(buffer.AsSpan(0, n).ToArray());
                var text = DecodeComplete(pending);
                foreach (var c in text)
                {
                    if (tty && c == '\u0003')
                    {
                        line.Clear();
                        await WriteAsync(io.Out, "^C\n" + Prompt(), ct).ConfigureAwait(false);
                        continue;
                    }

                    if (tty && c == '\u0004')
                    {
                        if (line.Length == 0)
                        {
                            await WriteAsync(io.Out, "exit\n", ct).ConfigureAwait(false);
                            return _lastStatus;
                        }

                        continue;
                    }

                    if (tty && c is '\u007f' or '\b')
                    {
                        if (line.Length > 0)
                        {
                            line.Length--;
                            await WriteAsync(io.Out, "\b \b", ct).ConfigureAwait(false);
                        }

                        continue;
                    }

                    if (c is '\r' or '\n')
                    {
                        if (tty)
                        {
                            await WriteAsync(io.Out, "\n", ct).ConfigureAwait(false);
                        }
                        else if (c == '\r')
                        {
                            continue;
                        }

                        var command = line.ToString();
                        line.Clear();
                        await RunLineAsync(command, io, shellName, ct).ConfigureAwait(false);
                        if (_exitRequested is { } code)
                        {
                            if (tty)
                            {
                                await WriteAsync(io.Out, "exit\n", ct).ConfigureAwait(false);
                            }

                            return code;
                        }

                        if (tty)
                        {
                            await WriteAsync(io.Out, Prompt(), ct).ConfigureAwait(false);
                        }

                        continue;
                    }

                    line.Append(c);
                    if (tty)
                    {
                        await WriteAsync(io.Out, c.ToString(), ct).ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task RunLineAsync(string command, ShellIO io, string shellName, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(command))
        {
            return;
        }

        _lastStatus = await RunScriptAsync(command, io, shellName, ct).ConfigureAwait(false);
    }

    private string Prompt() => $"root@{_container.Pod}:{_cwd}# ";

    private static string DecodeComplete(List<byte> pending)
    {
        // Keep an incomplete UTF-8 sequence for the next read.
        var keep = 0;
        for (var i = pending.Count - 1; i >= 0 && i >= pending.Count - 4; i--)
        {
            var b = pending[i];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }

            var need = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            keep = pending.Count - i < need ? pending.Count - i : 0;
            break;
        }

        var text = Encoding.UTF8.GetString(pending.GetRange(0, pending.Count - keep).ToArray());
        pending.RemoveRange(0, pending.Count - keep);
        return text;
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(32 * 1024);
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer.AsMemory(), ct).ConfigureAwait(false)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ValueTask WriteAsync(Stream stream, string text, CancellationToken ct) =>
        stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
}
