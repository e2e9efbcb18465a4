using System.Threading.Channels;

namespace Kube.Access.Testing;

/// <summary>
/// A process started by <c>exec</c> or <c>attach</c> in an emulated container, handed to a
/// handler registered with <c>KubeApiEmulator.BindExec</c>. Streams are asynchronous only.
/// </summary>
public sealed class EmulatorProcess
{
    internal EmulatorProcess(
        string @namespace,
        string pod,
        string container,
        IReadOnlyList<string> command,
        bool tty,
        Stream stdin,
        Stream stdout,
        Stream stderr,
        ChannelReader<TerminalSize> resizes,
        IReadOnlyDictionary<string, string> environment)
    {
        Namespace = @namespace;
        Pod = pod;
        Container = container;
        Command = command;
        Tty = tty;
        Stdin = stdin;
        Stdout = stdout;
        Stderr = stderr;
        Resizes = resizes;
        Environment = environment;
    }

    /// <summary>The pod's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The pod's name.</summary>
    public string Pod { get; }

    /// <summary>The container the process runs in.</summary>
    public string Container { get; }

    /// <summary>The command and its arguments (<c>command=</c> query parameters); empty for attach.</summary>
    public IReadOnlyList<string> Command { get; }

    /// <summary>Whether the client asked for a terminal (<c>tty=true</c>); stderr is then merged into stdout.</summary>
    public bool Tty { get; }

    /// <summary>The client's stdin; ends when the client closes stdin (v5) or the connection, immediately when stdin was not requested.</summary>
    public Stream Stdin { get; }

    /// <summary>The client's stdout (writes are dropped when stdout was not requested).</summary>
    public Stream Stdout { get; }

    /// <summary>The client's stderr (the same stream as <see cref="Stdout"/> with a tty).</summary>
    public Stream Stderr { get; }

    /// <summary>Terminal size changes sent by the client on the resize channel.</summary>
    public ChannelReader<TerminalSize> Resizes { get; }

    /// <summary>The container's environment (from its spec, plus HOSTNAME, HOME and PATH).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }
}

/// <summary>A terminal size sent on the resize channel.</summary>
/// <param name="Width">Columns.</param>
/// <param name="Height">Rows.</param>
public readonly record struct TerminalSize(int Width, int Height);

/// <summary>A test-supplied process for <c>exec</c>/<c>attach</c>: returns the exit code.</summary>
/// <param name="process">The process's streams and request.</param>
/// <param name="cancellationToken">Cancelled when the client disconnects or the emulator stops.</param>
public delegate Task<int> EmulatorExecHandler(EmulatorProcess process, CancellationToken cancellationToken);
