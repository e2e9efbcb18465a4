using System.Collections.Concurrent;

namespace Kube.Access.Testing.Streaming;

/// <summary>One in-memory store of files and directories (a container's root or a volume).</summary>
internal sealed class FileStore
{
    private readonly ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _directories = new(StringComparer.Ordinal);

    public FileStore() => _directories["/"] = true;

    /// <summary>Store-relative absolute path ("/a/b").</summary>
    public bool TryRead(string path, out byte[] content) => _files.TryGetValue(path, out content!);

    public bool IsDirectory(string path) => _directories.ContainsKey(path);

    public bool IsFile(string path) => _files.ContainsKey(path);

    public void Write(string path, byte[] content, bool append)
    {
        EnsureDirectory(Parent(path));
        if (append)
        {
            _files.AddOrUpdate(path, content, (_, old) => [.. old, .. content]);
        }
        else
        {
            _files[path] = content;
        }
    }

    public bool Remove(string path) => _files.TryRemove(path, out _);

    public void EnsureDirectory(string path)
    {
        while (true)
        {
            _directories[path] = true;
            if (path == "/")
            {
                return;
            }

            path = Parent(path);
        }
    }

    /// <summary>The names directly under a directory (directories end with '/').</summary>
    public IEnumerable<string> List(string directory)
    {
        var prefix = directory == "/" ? "/" : directory + "/";
        foreach (var dir in _directories.Keys)
        {
            if (dir.Length > prefix.Length && dir.StartsWith(prefix, StringComparison.Ordinal) && dir.IndexOf('/', prefix.Length) < 0)
            {
                yield return dir[prefix.Length..] + "/";
            }
        }

        foreach (var file in _files.Keys)
        {
            if (file.StartsWith(prefix, StringComparison.Ordinal) && file.IndexOf('/', prefix.Length) < 0)
            {
                yield return file[prefix.Length..];
            }
        }
    }

    internal static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }
}

/// <summary>
/// A container's view of files: its own root store with the pod's volumes mounted over it
/// (an emptyDir is one <see cref="FileStore"/> shared by every container that mounts it).
/// </summary>
internal sealed class ContainerFileSystem
{
    private readonly FileStore _root = new();
    private readonly List<(string MountPath, FileStore Store)> _mounts = [];

    /// <summary>Mounts a volume store at an absolute path.</summary>
    public void Mount(string mountPath, FileStore store)
    {
        var path = Normalize("/", mountPath);
        _mounts.Add((path, store));
        _mounts.Sort((a, b) => b.MountPath.Length.CompareTo(a.MountPath.Length));
        _root.EnsureDirectory(path);
    }

    /// <summary>The root store (for seeding image content).</summary>
    public FileStore Root => _root;

    /// <summary>Resolves a path against a working directory, collapsing "." and "..".</summary>
    public static string Normalize(string cwd, string path)
    {
        var full = path.StartsWith('/') ? path : (cwd.TrimEnd('/') + "/" + path);
        var parts = new List<string>();
        foreach (var part in full.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }

    private (FileStore Store, string Relative) Locate(string path)
    {
        foreach (var (mountPath, store) in _mounts)
        {
            if (path == mountPath)
            {
                return (store, "/");
            }

            if (path.StartsWith(mountPath + "/", StringComparison.Ordinal))
            {
                return (store, path[mountPath.Length..]);
            }
        }

        return (_root, path);
    }

    public bool TryRead(string path, out byte[] content)
    {
        var (store, relative) = Locate(path);
        return store.TryRead(relative, out content);
    }

    public bool IsDirectory(string path)
    {
        var (store, relative) = Locate(path);
        return store.IsDirectory(relative);
    }

    public bool IsFile(string path)
    {
        var (store, relative) = Locate(path);
        return store.IsFile(relative);
    }

    /// <summary>Writes a file; false when its directory does not exist.</summary>
    public bool Write(string path, byte[] content, bool append)
    {
        if (!IsDirectory(FileStore.Parent(path)) || IsDirectory(path))
        {
            return false;
        }

        var (store, relative) = Locate(path);
        store.Write(relative, content, append);
        return true;
    }

    public bool Remove(string path)
    {
        var (store, relative) = Locate(path);
        return store.Remove(relative);
    }

    public void MakeDirectory(string path)
    {
        var (store, relative) = Locate(path);
        store.EnsureDirectory(relative);
    }

    /// <summary>Sorted entries of a directory, mount points included.</summary>
    public IReadOnlyList<string> List(string directory)
    {
        var (store, relative) = Locate(directory);
        var names = new SortedSet<string>(store.List(relative), StringComparer.Ordinal);
        var prefix = directory == "/" ? "/" : directory + "/";
        foreach (var (mountPath, _) in _mounts)
        {
            if (mountPath.StartsWith(prefix, StringComparison.Ordinal) && mountPath.Length > prefix.Length && mountPath.IndexOf('/', prefix.Length) < 0)
            {
                names.Add(mountPath[prefix.Length..] + "/");
            }
        }

        return names.ToList();
    }
}
