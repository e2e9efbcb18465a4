namespace Kube.Access.TestSupport;

/// <summary>Paths inside the repository, found from the test assembly's location.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository root (the directory holding <c>Kube.Access.sln</c>).</summary>
    public static string RepoRoot => Root.Value;

    /// <summary><c>samples/manifests</c>: the guide's manifests.</summary>
    public static string ManifestsDir => Path.Combine(RepoRoot, "samples", "manifests");

    /// <summary>The build configuration the tests were built with (Release or Debug), read from the output path.</summary>
    public static string Configuration
    {
        get
        {
            var parts = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            var bin = Array.LastIndexOf(parts, "bin");
            return bin >= 0 && bin + 1 < parts.Length ? parts[bin + 1] : "Release";
        }
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Kube.Access.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"No Kube.Access.sln above {AppContext.BaseDirectory}.");
    }
}
