using System.Text;

namespace Kube.Access.Kubeconfig;

/// <summary>
/// How kubeconfig files are written: every file of an edit is locked with <c>&lt;file&gt;.lock</c>
/// (client-go's lock file) for the whole edit, and each file is replaced atomically (temporary
/// file in the same directory, flush to disk, rename; mode 0600 for new files, an existing file's
/// mode kept).
/// </summary>
internal static class KubeconfigWriter
{
    private static readonly UTF8Encoding Utf8 = new(false);

    /// <summary>
    /// Locks every file in <paramref name="files"/> (in ordinal order, so two editors never wait on
    /// each other crosswise), waiting up to <paramref name="timeout"/> for another writer.
    /// </summary>
    /// <returns>The held locks; dispose to release them.</returns>
    public static async Task<KubeconfigLocks> LockAllAsync(IReadOnlyList<string> files, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var locks = new List<string>();
        try
        {
            foreach (var file in files.Order(StringComparer.Ordinal))
            {
                var lockFile = file + ".lock";
                var dir = Path.GetDirectoryName(Path.GetFullPath(file));
                if (dir is not null)
                {
                    Directory.CreateDirectory(dir);
                }

                var deadline = DateTime.UtcNow + timeout;
                while (true)
                {
                    try
                    {
                        using (new FileStream(lockFile, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                        {
                        }

                        locks.Add(lockFile);
                        break;
                    }
                    catch (IOException e)
                    {
                        // Most often the lock exists (another writer); anything else persists until the deadline too.
                        if (DateTime.UtcNow >= deadline)
                        {
                            throw new KubeconfigException($"cannot lock the kubeconfig: {lockFile} exists (another kubectl or kube-access is editing it; remove the lock file if it is stale)", file, innerException: e);
                        }

                        await Task.Delay(50, cancellationToken).ConfigureAwait(false);
                    }
                    catch (UnauthorizedAccessException e)
                    {
                        throw new KubeconfigException($"cannot create the lock file {lockFile}: {e.Message}", file, innerException: e);
                    }
                }
            }

            return new KubeconfigLocks(locks);
        }
        catch
        {
            foreach (var l in locks)
            {
                File.Delete(l);
            }

            throw;
        }
    }

    /// <summary>Replaces <paramref name="path"/> atomically: temporary file in the same directory, flush to disk, rename.</summary>
    public static async Task WriteFileAtomicAsync(string path, string content)
    {
        var target = Path.GetFullPath(path);
        var info = new FileInfo(target);
        if (info.Exists && info.LinkTarget is not null)
        {
            target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? target;
        }

        var dir = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(dir);
        UnixFileMode? mode = null;
        if (!OperatingSystem.IsWindows())
        {
            mode = File.Exists(target) ? File.GetUnixFileMode(target) : UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var temp = Path.Combine(dir, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var fso = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
            {
                fso.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var stream = new FileStream(temp, fso))
            {
                var bytes = Utf8.GetBytes(content);
                await stream.WriteAsync(bytes, CancellationToken.None).ConfigureAwait(false);
                await stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            if (mode is { } m && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, m);
            }

            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e)
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }

            if (e is IOException or UnauthorizedAccessException)
            {
                throw new KubeconfigException($"cannot write the kubeconfig: {e.Message}", path, innerException: e);
            }

            throw;
        }
    }
}

/// <summary>The lock files held by one edit; disposing deletes them.</summary>
internal sealed class KubeconfigLocks : IDisposable
{
    private readonly List<string> _lockFiles;

    public KubeconfigLocks(List<string> lockFiles) => _lockFiles = lockFiles;

    /// <summary>The lock files held.</summary>
    public IReadOnlyList<string> LockFiles => _lockFiles;

    public void Dispose()
    {
        foreach (var l in _lockFiles)
        {
            try
            {
                File.Delete(l);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        _lockFiles.Clear();
    }
}
