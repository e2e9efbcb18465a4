using System.Text;

namespace Kube.Access.Kubeconfig;

/// <summary>
/// A kubeconfig could not be read, merged, resolved or written. Names the file, the 1-based line
/// and column, and the field (for example <c>users[2].user.client-key-data</c>) where known.
/// </summary>
public class KubeconfigException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">What was wrong, without the position.</param>
    /// <param name="file">The kubeconfig file, if known.</param>
    /// <param name="line">The 1-based line, or 0.</param>
    /// <param name="column">The 1-based column, or 0.</param>
    /// <param name="field">The field path, if known.</param>
    /// <param name="innerException">The cause.</param>
    public KubeconfigException(string reason, string? file = null, int line = 0, int column = 0, string? field = null, Exception? innerException = null)
        : base(Format(reason, file, line, column, field), innerException)
    {
        Reason = reason;
        File = file;
        Line = line;
        Column = column;
        Field = field;
    }

    /// <summary>What was wrong, without the position.</summary>
    public string Reason { get; }

    /// <summary>The kubeconfig file, if known.</summary>
    public string? File { get; }

    /// <summary>The 1-based line, or 0 when not known.</summary>
    public int Line { get; }

    /// <summary>The 1-based column, or 0 when not known.</summary>
    public int Column { get; }

    /// <summary>The field path (for example <c>clusters[0].cluster.server</c>), if known.</summary>
    public string? Field { get; }

    private static string Format(string reason, string? file, int line, int column, string? field)
    {
        var sb = new StringBuilder();
        if (file is not null)
        {
            sb.Append(file);
            if (line > 0)
            {
                sb.Append(':').Append(line).Append(':').Append(column);
            }

            sb.Append(": ");
        }

        if (field is not null)
        {
            sb.Append(field).Append(": ");
        }

        return sb.Append(reason).ToString();
    }
}

/// <summary>
/// Another writer (kubectl, or kube-access in a live process) still held a kubeconfig's lock file
/// when the wait (<see cref="KubeconfigEditorOptions.LockTimeout"/>) ended.
/// </summary>
public sealed class KubeconfigLockedException : KubeconfigException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The kubeconfig file (its resolved path).</param>
    /// <param name="lockFile">The lock file.</param>
    /// <param name="owner">The lock's owner as recorded in it (<c>pid 123 on host h since ...</c>), or null when it records none (kubectl's locks).</param>
    /// <param name="innerException">The cause.</param>
    public KubeconfigLockedException(string file, string lockFile, string? owner, Exception? innerException = null)
        : base(owner is null
            ? $"cannot lock the kubeconfig: {lockFile} exists (kubectl or another program is editing it; a lock that records no owner is taken over once it is older than a minute)"
            : $"cannot lock the kubeconfig: {lockFile} is held by {owner}, which is still running", file, innerException: innerException)
    {
        LockFile = lockFile;
        Owner = owner;
    }

    /// <summary>The lock file.</summary>
    public string LockFile { get; }

    /// <summary>The owner recorded in the lock file, or null when it records none.</summary>
    public string? Owner { get; }
}
