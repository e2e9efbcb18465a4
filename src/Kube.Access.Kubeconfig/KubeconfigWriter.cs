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

    /// <summary>How old a lock file without an owner record (kubectl's are empty) must be before it counts as abandoned.</summary>
    internal static readonly TimeSpan UnownedLockStaleAfter = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Locks every file in <paramref name="files"/>, each once under its resolved path (a symlink and
    /// its target are one file), in ordinal order so two editors never wait on each other crosswise,
    /// waiting up to <paramref name="timeout"/> for another writer. A lock whose owner is gone is taken
    /// over; leftovers of dead writers next to each file are removed once the lock is held.
    /// </summary>
    /// <returns>The held locks; dispose to release them.</returns>
    /// <exception cref="KubeconfigLockedException">A live writer still holds a lock after <paramref name="timeout"/>.</exception>
    public static async Task<KubeconfigLocks> LockAllAsync(IReadOnlyList<string> files, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var locks = new KubeconfigLocks();
        try
        {
            var targets = files.Select(ResolvePath).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            var deadline = DateTime.UtcNow + timeout;
            foreach (var target in targets)
            {
                var dir = Path.GetDirectoryName(target);
                if (dir is not null)
                {
                    Directory.CreateDirectory(dir);
                }

                var held = await AcquireAsync(target, deadline, cancellationToken).ConfigureAwait(false);
                locks.Add(held);
                RemoveLeftovers(target);
            }

            return locks;
        }
        catch
        {
            locks.Dispose();
            throw;
        }
    }

    private static async Task<HeldLock> AcquireAsync(string target, DateTime deadline, CancellationToken cancellationToken)
    {
        var lockFile = target + ".lock";
        var record = KubeconfigLockOwner.Current().ToBytes();
        var vanished = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using (var stream = new FileStream(lockFile, options))
                {
                    stream.Write(record);
                    stream.Flush(flushToDisk: true);
                }

                return new HeldLock(lockFile, record);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new KubeconfigException($"cannot create the lock file {lockFile}: {e.Message}", target, innerException: e);
            }
            catch (IOException e)
            {
                var existing = ReadLock(lockFile);
                if (existing is null)
                {
                    // Released between our attempt and the read: try again; a lock that cannot be made for another reason fails.
                    if (++vanished > 10)
                    {
                        throw new KubeconfigException($"cannot create the lock file {lockFile}: {e.Message}", target, innerException: e);
                    }

                    continue;
                }

                vanished = 0;
                var owner = KubeconfigLockOwner.Parse(existing);
                var stale = owner is not null
                    ? owner.IsGone()
                    : DateTime.UtcNow - SafeLastWrite(lockFile) > UnownedLockStaleAfter;
                if (stale && TakeOver(lockFile, existing))
                {
                    continue;
                }

                if (DateTime.UtcNow >= deadline)
                {
                    throw new KubeconfigLockedException(target, lockFile, owner?.Describe(), e);
                }

                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static byte[]? ReadLock(string lockFile)
    {
        try
        {
            return File.ReadAllBytes(lockFile);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            // Being written right now (its creator holds it exclusively for a moment): it counts as live.
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static DateTime SafeLastWrite(string file)
    {
        try
        {
            return File.GetLastWriteTimeUtc(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DateTime.UtcNow;
        }
    }

    /// <summary>
    /// Removes the stale lock <paramref name="lockFile"/> only if it is still exactly the one read
    /// (<paramref name="seen"/>): it is first renamed to a name of our own (atomic, so of several takers
    /// only one gets it), then compared; a lock that turns out to be someone else's is put back.
    /// </summary>
    /// <returns>Whether acquiring is worth trying again at once.</returns>
    private static bool TakeOver(string lockFile, byte[] seen)
    {
        var claim = $"{lockFile}.{Guid.NewGuid():N}.stale";
        try
        {
            File.Move(lockFile, claim);
        }
        catch (FileNotFoundException)
        {
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        byte[] claimed;
        try
        {
            claimed = File.ReadAllBytes(claim);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            claimed = [];
        }

        if (claimed.AsSpan().SequenceEqual(seen))
        {
            TryDelete(claim);
            return true;
        }

        // Another taker replaced the stale lock with its own between our read and our rename: give it back.
        try
        {
            File.Move(claim, lockFile, overwrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(claim);
        }

        return false;
    }

    /// <summary>
    /// Deletes what dead writers left next to <paramref name="target"/>: our temporary files (only a
    /// writer holding the lock makes them, so with the lock held every one is stale) and takeover
    /// claims older than <see cref="UnownedLockStaleAfter"/>.
    /// </summary>
    private static void RemoveLeftovers(string target)
    {
        var dir = Path.GetDirectoryName(target)!;
        var name = Path.GetFileName(target);
        string[] candidates;
        try
        {
            candidates = Directory.GetFiles(dir, "*" + name + "*");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var file in candidates)
        {
            var fileName = Path.GetFileName(file);
            if (IsTempName(fileName, name)
                || (IsClaimName(fileName, name) && DateTime.UtcNow - SafeLastWrite(file) > UnownedLockStaleAfter))
            {
                TryDelete(file);
            }
        }
    }

    private static string TempName(string name) => $".{name}.{Guid.NewGuid():N}.tmp";

    private static bool IsTempName(string fileName, string name) =>
        fileName.Length == name.Length + 38 && fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal)
        && string.CompareOrdinal(fileName, 1, name, 0, name.Length) == 0 && fileName[name.Length + 1] == '.'
        && IsHex(fileName.AsSpan(name.Length + 2, 32));

    private static bool IsClaimName(string fileName, string name) =>
        fileName.Length == name.Length + 5 + 40 && fileName.StartsWith(name + ".lock.", StringComparison.Ordinal)
        && fileName.EndsWith(".stale", StringComparison.Ordinal) && IsHex(fileName.AsSpan(name.Length + 6, 32));

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    internal static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// The real path of <paramref name="path"/>: absolute, with every symbolic link along it (the file
    /// itself and its directories) followed. A path that does not exist yet resolves as far as it exists.
    /// </summary>
    internal static string ResolvePath(string path)
    {
        var full = Path.GetFullPath(path);
        for (var hops = 0; hops < 40; hops++)
        {
            var root = Path.GetPathRoot(full) ?? string.Empty;
            var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            var current = root;
            string? next = null;
            for (var i = 0; i < parts.Length && next is null; i++)
            {
                var candidate = Path.Combine(current, parts[i]);
                string? link = null;
                try
                {
                    link = new FileInfo(candidate).LinkTarget;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }

                if (link is null)
                {
                    current = candidate;
                    continue;
                }

                var resolved = Path.IsPathRooted(link) ? link : Path.Combine(current, link);
                next = Path.GetFullPath(Path.Combine([resolved, .. parts[(i + 1)..]]));
            }

            if (next is null)
            {
                return full;
            }

            full = next;
        }

        throw new KubeconfigException("too many levels of symbolic links", path);
    }

    /// <summary>Replaces <paramref name="path"/> atomically: temporary file in the same directory, flush to disk, rename.</summary>
    public static async Task WriteFileAtomicAsync(string path, string content)
    {
        // Through symbolic links to the real file, so that a link stays a link.
        var target = ResolvePath(path);
        var dir = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(dir);
        UnixFileMode? mode = null;
        if (!OperatingSystem.IsWindows())
        {
            mode = File.Exists(target) ? File.GetUnixFileMode(target) : UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var temp = Path.Combine(dir, TempName(Path.GetFileName(target)));
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

/// <summary>The lock files held by one edit; disposing releases them.</summary>
internal sealed class KubeconfigLocks : IDisposable
{
    private readonly List<HeldLock> _locks = [];

    /// <summary>The lock files held.</summary>
    public IReadOnlyList<string> LockFiles => _locks.Select(l => l.LockFile).ToArray();

    public void Add(HeldLock held) => _locks.Add(held);

    /// <summary>Deletes each lock file that is still ours (holds our record).</summary>
    public void Dispose()
    {
        foreach (var l in _locks)
        {
            try
            {
                if (File.ReadAllBytes(l.LockFile).AsSpan().SequenceEqual(l.Record))
                {
                    File.Delete(l.LockFile);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        _locks.Clear();
    }
}

/// <summary>One lock file and the owner record we wrote into it.</summary>
internal sealed record HeldLock(string LockFile, byte[] Record);
