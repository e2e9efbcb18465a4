using System.Runtime.InteropServices;

namespace Kube.Access.Cli.Commands;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM, handled by the CLI itself, as kubectl: the first signal cancels the
/// command's token so it stops its servers and sessions, and the process exits with the shell's code
/// for that signal (130, 143); a second signal, or a command that has not stopped after
/// <see cref="GracePeriod"/>, ends the process at once. <c>port-forward</c> ends with 0 on Ctrl+C,
/// because kubectl port-forward catches os.Interrupt and returns normally.
/// </summary>
internal sealed class CliSignals : IDisposable
{
    /// <summary>How long a command may take to stop after the first signal.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);

    private const int SigInt = 2;
    private const int SigTerm = 15;

    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;
    private int _received;

    public CliSignals()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Set by a command whose Ctrl+C is a normal end (exit code 0), as kubectl port-forward's.</summary>
    public static bool InterruptEndsNormally { get; set; }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The process's exit code: the command's, or the signal's when a signal stopped a command that returned 0.</summary>
    public int ExitCode(int commandExitCode)
    {
        var received = Volatile.Read(ref _received);
        if (received == 0 || commandExitCode != 0 || (received == SigInt && InterruptEndsNormally))
        {
            return commandExitCode;
        }

        return 128 + received;
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _cancel.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        var number = context.Signal == PosixSignal.SIGINT ? SigInt : SigTerm;
        if (Interlocked.CompareExchange(ref _received, number, 0) != 0)
        {
            // The second signal: the default action (the process ends now).
            return;
        }

        context.Cancel = true;
        _cancel.Cancel();
        _ = Task.Delay(GracePeriod).ContinueWith(_ => Environment.Exit(128 + number), TaskScheduler.Default);
    }
}
