using System.Diagnostics;
using System.Text;

namespace Kube.Access.TestSupport;

/// <summary>What one finished tool run printed and returned.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="Stdout">Everything written to standard output (UTF-8).</param>
/// <param name="Stderr">Everything written to standard error (UTF-8).</param>
public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Alias of <see cref="Stdout"/>.</summary>
    public string StdOut => Stdout;

    /// <summary>Alias of <see cref="Stderr"/>.</summary>
    public string StdErr => Stderr;

    /// <summary>Standard output parsed as one JSON document (<c>-o json</c>).</summary>
    public System.Text.Json.Nodes.JsonNode Json() =>
        System.Text.Json.Nodes.JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("The tool printed no JSON: " + Stderr);

    /// <summary>A one-line description for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>How to run one tool process.</summary>
public sealed record ToolRun
{
    /// <summary>The executable (on PATH or a full path).</summary>
    public required string FileName { get; init; }

    /// <summary>Arguments, each passed as one argv entry.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Bytes written to standard input, then closed. Null: stdin is closed at once (the process sees EOF).</summary>
    public byte[]? Stdin { get; init; }

    /// <summary>Environment variables to set (a null value removes the variable).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>The working directory; the current one when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>How long the run may take before it is killed and a <see cref="TimeoutException"/> is raised. Default 3 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>
/// The one process runner of the test suites: starts a tool with redirected streams, feeds stdin,
/// collects stdout and stderr, and never leaves a process behind (killed with its tree on timeout or cancel).
/// </summary>
public static class ToolProcess
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Runs <paramref name="run"/> to its end.</summary>
    public static async Task<ToolResult> RunAsync(ToolRun run, CancellationToken cancellationToken = default)
    {
        using var process = Start(run);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(run.Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            if (run.Stdin is { } input)
            {
                try
                {
                    await process.StandardInput.BaseStream.WriteAsync(input, timeout.Token);
                }
                catch (IOException)
                {
                    // The tool exited without reading all of its input; its exit code tells the story.
                }
            }

            CloseQuietly(process.StandardInput);
            await process.WaitForExitAsync(timeout.Token);
            return new ToolResult(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Kill(process);
            throw new TimeoutException($"{Describe(run)} did not finish within {run.Timeout}.");
        }
        catch
        {
            Kill(process);
            throw;
        }
    }

    /// <summary>
    /// Starts <paramref name="run"/> without waiting (servers such as <c>kubectl proxy</c>); stdin stays open
    /// unless <see cref="ToolRun.Stdin"/> is given. The caller owns the process and must kill it.
    /// </summary>
    public static Process Start(ToolRun run)
    {
        var info = new ProcessStartInfo(run.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
            WorkingDirectory = run.WorkingDirectory ?? System.Environment.CurrentDirectory,
        };
        foreach (var argument in run.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in run.Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"{Describe(run)} did not start.");
    }

    /// <summary>Kills <paramref name="process"/> and its children if it is still running.</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static void CloseQuietly(StreamWriter stdin)
    {
        try
        {
            stdin.Close();
        }
        catch (IOException)
        {
            // The process closed its end already.
        }
    }

    private static string Describe(ToolRun run) => run.FileName + " " + string.Join(' ', run.Arguments);
}
