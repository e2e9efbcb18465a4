using System.Diagnostics;
using System.Text;

namespace Kube.Access.TestSupport;

/// <summary>
/// Runs the built <c>kube-access</c> CLI (samples/Kube.Access.Cli, same configuration as the tests) as a
/// real process, isolated like kubectl: HOME is a fresh directory and KUBECONFIG is explicit.
/// Test projects that use it reference the CLI project with <c>ReferenceOutputAssembly="false"</c> so it is built first.
/// </summary>
public static class KubeAccessCli
{
    /// <summary>The CLI's entry assembly (<c>kube-access.dll</c>).</summary>
    public static string AssemblyPath
    {
        get
        {
            var path = Path.Combine(RepoPaths.RepoRoot, "samples", "Kube.Access.Cli", "bin", RepoPaths.Configuration, "net10.0", "kube-access.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("The kube-access CLI is not built; build samples/Kube.Access.Cli first.", path);
        }
    }

    /// <summary>Runs <c>kube-access</c> with <paramref name="arguments"/> to its end.</summary>
    public static async Task<ToolResult> RunAsync(
        IEnumerable<string> arguments,
        string? kubeconfig = null,
        string? stdin = null,
        byte[]? stdinBytes = null,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var home = TempHome.Create("kube-access-cli-home-");
        try
        {
            var run = Run(arguments, kubeconfig, home, environment) with
            {
                Stdin = stdinBytes ?? (stdin is null ? null : Encoding.UTF8.GetBytes(stdin)),
                Timeout = timeout ?? TimeSpan.FromMinutes(3),
            };
            return await ToolProcess.RunAsync(run, cancellationToken);
        }
        finally
        {
            TempHome.Delete(home);
        }
    }

    /// <summary>Starts a long-running <c>kube-access</c> command (proxy, port-forward, emulator); dispose it to stop it.</summary>
    public static RunningTool Start(IEnumerable<string> arguments, string? kubeconfig = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var home = TempHome.Create("kube-access-cli-home-");
        return new RunningTool(ToolProcess.Start(Run(arguments, kubeconfig, home, environment)), home);
    }

    private static ToolRun Run(IEnumerable<string> arguments, string? kubeconfig, string home, IReadOnlyDictionary<string, string?>? environment)
    {
        var argv = new List<string> { "exec", AssemblyPath };
        argv.AddRange(arguments);
        var env = new Dictionary<string, string?>
        {
            ["HOME"] = home,
            ["KUBECONFIG"] = kubeconfig ?? Path.Combine(home, "no-kubeconfig"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["NO_COLOR"] = "1",
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            env[name] = value;
        }

        return new ToolRun { FileName = "dotnet", Arguments = argv, Environment = env };
    }
}

/// <summary>
/// A tool process that keeps running (a server): its output lines are collected as they arrive and can be
/// awaited; disposing kills it and removes its HOME.
/// </summary>
public sealed class RunningTool : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _home;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _closedStreams;

    internal RunningTool(Process process, string home)
    {
        _process = process;
        _home = home;
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The process (for its stdin or exit code).</summary>
    public Process Process => _process;

    /// <summary>The stdout lines so far.</summary>
    public IReadOnlyList<string> StdoutLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _stdout];
            }
        }
    }

    /// <summary>The stderr lines so far.</summary>
    public IReadOnlyList<string> StderrLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _stderr];
            }
        }
    }

    /// <summary>
    /// Waits until a stdout or stderr line matches <paramref name="predicate"/> and returns it; raises with
    /// everything printed so far when the process exits first or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan? timeout = null, bool stderr = false)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                foreach (var line in stderr ? _stderr : _stdout)
                {
                    if (predicate(line))
                    {
                        return line;
                    }
                }

                changed = _changed.Task;
                if (_closedStreams == 2)
                {
                    throw new InvalidOperationException($"The process ended its output before the expected line.\n{Describe()}");
                }
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching line within the timeout.\n{Describe()}");
            }
        }
    }

    /// <summary>Everything printed so far, for assertion messages.</summary>
    public string Describe() => $"--- stdout ---\n{string.Join('\n', StdoutLines)}\n--- stderr ---\n{string.Join('\n', StderrLines)}";

    /// <summary>Kills the process (and its children) and removes its HOME directory.</summary>
    public async ValueTask DisposeAsync()
    {
        ToolProcess.Kill(_process);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        _process.Dispose();
        TempHome.Delete(_home);
    }

    private void Append(List<string> lines, string? line)
    {
        lock (_gate)
        {
            if (line is null)
            {
                _closedStreams++;
            }
            else
            {
                lines.Add(line);
            }
        }

        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
