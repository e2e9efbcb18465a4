using Kube.Access.Channels;

namespace Kube.Access.Exec;

/// <summary>A terminal size sent on the resize channel (channel 4) of a tty session.</summary>
/// <param name="Width">Columns.</param>
/// <param name="Height">Rows.</param>
public readonly record struct ExecTerminalSize(int Width, int Height);

/// <summary>
/// A command to run in a container (<c>kubectl exec</c>): <c>pods/{name}/exec</c> with one
/// <c>command=</c> per argument and the stream flags.
/// </summary>
public sealed record ExecRequest
{
    /// <summary>The pod's namespace; the connection's namespace when null.</summary>
    public string? Namespace { get; init; }

    /// <summary>The pod's name.</summary>
    public required string Pod { get; init; }

    /// <summary>The container; when null it is chosen like kubectl (the only one, the <c>kubectl.kubernetes.io/default-container</c> annotation, else the first).</summary>
    public string? Container { get; init; }

    /// <summary>The command and its arguments (not run through a shell).</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Forward stdin (<c>stdin=true</c>, kubectl <c>-i</c>). Default false.</summary>
    public bool Stdin { get; init; }

    /// <summary>Receive stdout (<c>stdout=true</c>). Default true.</summary>
    public bool Stdout { get; init; } = true;

    /// <summary>Receive stderr (<c>stderr=true</c>). Default true; with <see cref="Tty"/> the server merges stderr into stdout.</summary>
    public bool Stderr { get; init; } = true;

    /// <summary>Allocate a terminal (<c>tty=true</c>, kubectl <c>-t</c>). Default false.</summary>
    public bool Tty { get; init; }

    /// <summary>The terminal size sent as soon as the session starts (tty only).</summary>
    public ExecTerminalSize? InitialTerminalSize { get; init; }
}

/// <summary>Attaches to a container's running process (<c>kubectl attach</c>): <c>pods/{name}/attach</c>.</summary>
public sealed record AttachRequest
{
    /// <summary>The pod's namespace; the connection's namespace when null.</summary>
    public string? Namespace { get; init; }

    /// <summary>The pod's name.</summary>
    public required string Pod { get; init; }

    /// <summary>The container; when null it is chosen like kubectl.</summary>
    public string? Container { get; init; }

    /// <summary>Forward stdin (kubectl <c>-i</c>). Default false.</summary>
    public bool Stdin { get; init; }

    /// <summary>Receive stdout. Default true.</summary>
    public bool Stdout { get; init; } = true;

    /// <summary>Receive stderr. Default true (merged into stdout with a tty).</summary>
    public bool Stderr { get; init; } = true;

    /// <summary>The process has a terminal (kubectl <c>-t</c>). Default false.</summary>
    public bool Tty { get; init; }

    /// <summary>The terminal size sent as soon as the session starts (tty only).</summary>
    public ExecTerminalSize? InitialTerminalSize { get; init; }
}

/// <summary>How a remote command ended, from the status channel (channel 3).</summary>
/// <param name="ExitCode">The exit code: 0 for <c>Success</c>, N for <c>NonZeroExitCode</c>.</param>
/// <param name="Reason">The Status reason (<c>NonZeroExitCode</c>), null on success.</param>
/// <param name="Message">The Status message, null on success.</param>
public sealed record ExecResult(int ExitCode, string? Reason, string? Message)
{
    /// <summary>The success result.</summary>
    public static ExecResult Success { get; } = new(0, null, null);

    /// <summary>True when the command exited 0.</summary>
    public bool Succeeded => ExitCode == 0;
}

/// <summary>What <see cref="IPodExec.RunAsync(string, string, IReadOnlyList{string}, string?, Stream?, CancellationToken)"/> collected.</summary>
/// <param name="Container">The container the command ran in.</param>
/// <param name="Stdout">Everything written to stdout.</param>
/// <param name="Stderr">Everything written to stderr.</param>
/// <param name="Result">The exit status.</param>
/// <param name="DefaultedContainerNotice">kubectl's <c>Defaulted container "X" out of: ...</c> notice when the container was chosen for the caller, else null.</param>
public sealed record ExecRunResult(string Container, ReadOnlyMemory<byte> Stdout, ReadOnlyMemory<byte> Stderr, ExecResult Result, string? DefaultedContainerNotice)
{
    /// <summary>The exit code.</summary>
    public int ExitCode => Result.ExitCode;

    /// <summary>Stdout decoded as UTF-8.</summary>
    public string StdoutText => System.Text.Encoding.UTF8.GetString(Stdout.Span);

    /// <summary>Stderr decoded as UTF-8.</summary>
    public string StderrText => System.Text.Encoding.UTF8.GetString(Stderr.Span);
}

/// <summary>Options of <see cref="PodExec"/> (through <c>IOptions&lt;PodExecOptions&gt;</c>).</summary>
public sealed class PodExecOptions
{
    /// <summary>The subprotocols offered, most preferred first (default <c>v5.channel.k8s.io</c>, <c>v4.channel.k8s.io</c>).</summary>
    public IReadOnlyList<string> Protocols { get; set; } = [ChannelProtocols.V5, ChannelProtocols.V4];

    /// <summary>Buffer limits of the channel connection (per-channel buffering, frame size).</summary>
    public WebSocketChannelOptions Channels { get; set; } = WebSocketChannelOptions.Default;
}
