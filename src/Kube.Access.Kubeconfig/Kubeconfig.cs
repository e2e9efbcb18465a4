namespace Kube.Access.Kubeconfig;

/// <summary>
/// A kubeconfig: one file, or the merge of a KUBECONFIG list with client-go's rules (the first file
/// that defines a name wins; current-context and preferences from the first file that sets them).
/// Every entry remembers the file it came from (<see cref="KubeconfigEntry.Source"/>); unknown
/// fields and extensions are kept. Immutable: edits produce new instances.
/// </summary>
public sealed record Kubeconfig
{
    private Dictionary<string, KubeconfigCluster>? _clusters;
    private Dictionary<string, KubeconfigUser>? _users;
    private Dictionary<string, KubeconfigContext>? _contexts;

    /// <summary>An empty configuration.</summary>
    public static Kubeconfig Empty { get; } = new();

    /// <summary>The clusters, one per name.</summary>
    public IReadOnlyList<KubeconfigCluster> Clusters { get; init; } = [];

    /// <summary>The users (client-go's AuthInfos), one per name.</summary>
    public IReadOnlyList<KubeconfigUser> Users { get; init; } = [];

    /// <summary>The contexts, one per name.</summary>
    public IReadOnlyList<KubeconfigContext> Contexts { get; init; } = [];

    /// <summary><c>current-context</c>, or <c>null</c>.</summary>
    public string? CurrentContext { get; init; }

    /// <summary><c>preferences</c>.</summary>
    public KubeconfigPreferences Preferences { get; init; } = new();

    /// <summary>Top-level <c>extensions</c>.</summary>
    public IReadOnlyList<KubeconfigExtension> Extensions { get; init; } = [];

    /// <summary>Top-level fields this library does not know (of the first file that has each one).</summary>
    public IReadOnlyList<KeyValuePair<string, KubeconfigNode>> UnknownFields { get; init; } = [];

    /// <summary>The files that were read, in precedence order (missing ones are not listed).</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>Files of the loading precedence that did not exist and were skipped.</summary>
    public IReadOnlyList<string> MissingFiles { get; init; } = [];

    /// <summary>The cluster called <paramref name="name"/>, or <c>null</c>.</summary>
    public KubeconfigCluster? FindCluster(string name) => Index(ref _clusters, Clusters).GetValueOrDefault(name);

    /// <summary>The user called <paramref name="name"/>, or <c>null</c>.</summary>
    public KubeconfigUser? FindUser(string name) => Index(ref _users, Users).GetValueOrDefault(name);

    /// <summary>The context called <paramref name="name"/>, or <c>null</c>.</summary>
    public KubeconfigContext? FindContext(string name) => Index(ref _contexts, Contexts).GetValueOrDefault(name);

    /// <summary>
    /// Resolves <paramref name="context"/> (default: <see cref="CurrentContext"/>) to a
    /// <see cref="KubeEndpoint"/>: server, TLS material (files read now, relative paths against the
    /// file that defined the entry), impersonation and a credential source (static token, token
    /// file, basic auth, client certificate, exec plugin).
    /// </summary>
    public Task<KubeEndpoint> ResolveEndpointAsync(string? context = null, KubeconfigResolveOptions? options = null, CancellationToken cancellationToken = default) =>
        EndpointResolver.ResolveAsync(this, context, options ?? new KubeconfigResolveOptions(), cancellationToken);

    private static Dictionary<string, T> Index<T>(ref Dictionary<string, T>? cache, IReadOnlyList<T> items)
        where T : KubeconfigEntry
    {
        var index = Volatile.Read(ref cache);
        if (index is null)
        {
            index = new Dictionary<string, T>(items.Count, StringComparer.Ordinal);
            foreach (var item in items)
            {
                index.TryAdd(item.Name, item);
            }

            Volatile.Write(ref cache, index);
        }

        return index;
    }

    /// <summary>Clears the lookup caches of a copy made with <c>with</c>.</summary>
    private Kubeconfig(Kubeconfig original)
    {
        Clusters = original.Clusters;
        Users = original.Users;
        Contexts = original.Contexts;
        CurrentContext = original.CurrentContext;
        Preferences = original.Preferences;
        Extensions = original.Extensions;
        UnknownFields = original.UnknownFields;
        Files = original.Files;
        MissingFiles = original.MissingFiles;
    }

    /// <summary>Creates an empty configuration.</summary>
    public Kubeconfig()
    {
    }
}
