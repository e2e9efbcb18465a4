namespace Kube.Access.Kubeconfig;

/// <summary>Which kubeconfig files to read (client-go's loading rules). Every input is injectable for tests.</summary>
public sealed record KubeconfigLoadingOptions
{
    /// <summary>An explicit file (<c>--kubeconfig</c>): used alone, and it must exist.</summary>
    public string? ExplicitPath { get; init; }

    /// <summary>
    /// The KUBECONFIG value to use. <c>null</c> reads the process environment when
    /// <see cref="UseEnvironment"/> is true.
    /// </summary>
    public string? KubeconfigVariable { get; init; }

    /// <summary>Whether to read <c>KUBECONFIG</c> from the process environment when <see cref="KubeconfigVariable"/> is null. Default true.</summary>
    public bool UseEnvironment { get; init; } = true;

    /// <summary>The home directory whose <c>.kube/config</c> is the fallback; <c>null</c> uses the user profile.</summary>
    public string? HomeDirectory { get; init; }
}

/// <summary>Loads and merges kubeconfig files the way kubectl does.</summary>
public interface IKubeconfigLoader
{
    /// <summary>
    /// The files to read, in precedence order: the explicit path alone; else every KUBECONFIG entry
    /// (split on <see cref="Path.PathSeparator"/>, empty entries and duplicates dropped); else <c>~/.kube/config</c>.
    /// </summary>
    IReadOnlyList<string> GetLoadingPrecedence(KubeconfigLoadingOptions? options = null);

    /// <summary>
    /// The file new entries are written to (client-go's GetDefaultFilename): the explicit path; else
    /// the only KUBECONFIG entry, the first existing one, or the last one; else <c>~/.kube/config</c>.
    /// </summary>
    string GetDefaultFilename(KubeconfigLoadingOptions? options = null);

    /// <summary>Reads and merges the files of the loading rules. Missing files are skipped (an explicit one is an error).</summary>
    /// <exception cref="KubeconfigException">A file is malformed (names file, line, column, field) or the explicit file is missing.</exception>
    Task<Kubeconfig> LoadAsync(KubeconfigLoadingOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Loads, then resolves a context (default: the current one) to a <see cref="KubeEndpoint"/>.</summary>
    /// <exception cref="KubeconfigException">The context, its cluster or its user is missing or invalid.</exception>
    Task<KubeEndpoint> ResolveEndpointAsync(string? context = null, KubeconfigLoadingOptions? options = null, KubeconfigResolveOptions? resolveOptions = null, CancellationToken cancellationToken = default);
}

/// <summary>The default <see cref="IKubeconfigLoader"/>.</summary>
public sealed class KubeconfigLoader : IKubeconfigLoader
{
    /// <summary>A shared instance.</summary>
    public static KubeconfigLoader Instance { get; } = new();

    /// <summary>The environment variable listing kubeconfig files.</summary>
    public const string EnvironmentVariable = "KUBECONFIG";

    /// <inheritdoc />
    public IReadOnlyList<string> GetLoadingPrecedence(KubeconfigLoadingOptions? options = null)
    {
        options ??= new KubeconfigLoadingOptions();
        if (!string.IsNullOrEmpty(options.ExplicitPath))
        {
            return [options.ExplicitPath];
        }

        var env = EnvFiles(options);
        return env.Count > 0 ? env : [HomeFile(options)];
    }

    /// <inheritdoc />
    public string GetDefaultFilename(KubeconfigLoadingOptions? options = null)
    {
        options ??= new KubeconfigLoadingOptions();
        if (!string.IsNullOrEmpty(options.ExplicitPath))
        {
            return options.ExplicitPath;
        }

        var env = EnvFiles(options);
        if (env.Count == 0)
        {
            return HomeFile(options);
        }

        if (env.Count == 1)
        {
            return env[0];
        }

        foreach (var file in env)
        {
            if (File.Exists(file))
            {
                return file;
            }
        }

        return env[^1];
    }

    /// <summary>The KUBECONFIG entries (deduplicated, empty entries dropped), or an empty list.</summary>
    internal static IReadOnlyList<string> EnvFiles(KubeconfigLoadingOptions options)
    {
        var value = options.KubeconfigVariable ?? (options.UseEnvironment ? Environment.GetEnvironmentVariable(EnvironmentVariable) : null);
        if (string.IsNullOrEmpty(value))
        {
            return [];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<string>();
        foreach (var part in value.Split(Path.PathSeparator))
        {
            if (part.Length > 0 && seen.Add(part))
            {
                list.Add(part);
            }
        }

        return list;
    }

    internal static string HomeFile(KubeconfigLoadingOptions options)
    {
        var home = options.HomeDirectory;
        if (string.IsNullOrEmpty(home))
        {
            home = Environment.GetEnvironmentVariable("HOME");
            if (OperatingSystem.IsWindows() || string.IsNullOrEmpty(home))
            {
                home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            }
        }

        return Path.Combine(home, ".kube", "config");
    }

    /// <inheritdoc />
    public async Task<Kubeconfig> LoadAsync(KubeconfigLoadingOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KubeconfigLoadingOptions();
        if (!string.IsNullOrEmpty(options.ExplicitPath) && !File.Exists(options.ExplicitPath))
        {
            throw new KubeconfigException("the kubeconfig file does not exist", options.ExplicitPath);
        }

        var precedence = GetLoadingPrecedence(options);
        var configs = new List<Kubeconfig>(precedence.Count);
        var missing = new List<string>();
        foreach (var file in precedence)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var config = await ReadIfExistsAsync(file, cancellationToken).ConfigureAwait(false);
            if (config is null)
            {
                missing.Add(file);
            }
            else
            {
                configs.Add(config);
            }
        }

        return Merge(configs) with { MissingFiles = missing };
    }

    /// <summary>Reads one file; <c>null</c> when it does not exist.</summary>
    internal static async Task<Kubeconfig?> ReadIfExistsAsync(string file, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            if (Directory.Exists(file))
            {
                throw new KubeconfigException("the kubeconfig path is a directory", file);
            }

            text = await KubeconfigParser.ReadTextAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeconfigException($"cannot read the kubeconfig: {e.Message}", file, innerException: e);
        }

        return KubeconfigParser.Parse(text, file);
    }

    /// <summary>
    /// Merges configurations in precedence order: the first one that defines a cluster, user,
    /// context or extension name wins (the whole entry); current-context from the first that sets
    /// it; preferences.colors if any sets it; preference extensions first wins.
    /// </summary>
    public static Kubeconfig Merge(IReadOnlyList<Kubeconfig> configs)
    {
        ArgumentNullException.ThrowIfNull(configs);
        if (configs.Count == 1)
        {
            return configs[0];
        }

        var clusters = new Dictionary<string, KubeconfigCluster>(StringComparer.Ordinal);
        var users = new Dictionary<string, KubeconfigUser>(StringComparer.Ordinal);
        var contexts = new Dictionary<string, KubeconfigContext>(StringComparer.Ordinal);
        var extensions = new Dictionary<string, KubeconfigExtension>(StringComparer.Ordinal);
        var prefExtensions = new Dictionary<string, KubeconfigExtension>(StringComparer.Ordinal);
        var unknown = new Dictionary<string, KeyValuePair<string, KubeconfigNode>>(StringComparer.Ordinal);
        var prefUnknown = new Dictionary<string, KeyValuePair<string, KubeconfigNode>>(StringComparer.Ordinal);
        string? current = null;
        var colors = false;
        var files = new List<string>();
        foreach (var config in configs)
        {
            files.AddRange(config.Files);
            foreach (var c in config.Clusters)
            {
                clusters.TryAdd(c.Name, c);
            }

            foreach (var u in config.Users)
            {
                users.TryAdd(u.Name, u);
            }

            foreach (var c in config.Contexts)
            {
                contexts.TryAdd(c.Name, c);
            }

            foreach (var x in config.Extensions)
            {
                extensions.TryAdd(x.Name, x);
            }

            foreach (var x in config.Preferences.Extensions)
            {
                prefExtensions.TryAdd(x.Name, x);
            }

            foreach (var x in config.UnknownFields)
            {
                unknown.TryAdd(x.Key, x);
            }

            foreach (var x in config.Preferences.UnknownFields)
            {
                prefUnknown.TryAdd(x.Key, x);
            }

            current ??= config.CurrentContext;
            colors |= config.Preferences.Colors;
        }

        return new Kubeconfig
        {
            Clusters = clusters.Values.ToArray(),
            Users = users.Values.ToArray(),
            Contexts = contexts.Values.ToArray(),
            Extensions = extensions.Values.ToArray(),
            CurrentContext = current,
            Preferences = new KubeconfigPreferences { Colors = colors, Extensions = prefExtensions.Values.ToArray(), UnknownFields = prefUnknown.Values.ToArray() },
            UnknownFields = unknown.Values.ToArray(),
            Files = files,
        };
    }

    /// <inheritdoc />
    public async Task<KubeEndpoint> ResolveEndpointAsync(string? context = null, KubeconfigLoadingOptions? options = null, KubeconfigResolveOptions? resolveOptions = null, CancellationToken cancellationToken = default)
    {
        var config = await LoadAsync(options, cancellationToken).ConfigureAwait(false);
        return await config.ResolveEndpointAsync(context, resolveOptions, cancellationToken).ConfigureAwait(false);
    }
}
