namespace Kube.Access.Kubeconfig;

/// <summary>What <c>kubectl config view</c> should print.</summary>
public sealed record KubeconfigViewOptions
{
    /// <summary><c>--minify</c>: only the current (or <see cref="Context"/>) context, its cluster and its user.</summary>
    public bool Minify { get; init; }

    /// <summary><c>--flatten</c>: file references inlined as <c>-data</c> fields (implies raw output).</summary>
    public bool Flatten { get; init; }

    /// <summary><c>--raw</c>: do not redact secrets.</summary>
    public bool Raw { get; init; }

    /// <summary><c>--context</c>: the context to use as current.</summary>
    public string? Context { get; init; }

    /// <summary><c>-o yaml|json</c>.</summary>
    public KubeconfigOutputFormat Format { get; init; } = KubeconfigOutputFormat.Yaml;

    /// <summary>Also print fields kubectl does not know (kubectl drops them). Default false, as kubectl.</summary>
    public bool IncludeUnknownFields { get; init; }
}

/// <summary>
/// <c>kubectl config view</c>: minify, flatten, redaction (<c>DATA+OMITTED</c> for <c>*-data</c>,
/// <c>REDACTED</c> for token and password) and YAML/JSON rendering, with kubectl's rules and errors.
/// </summary>
public static class KubeconfigView
{
    /// <summary>Keeps only the chosen (or current) context with its cluster and user; sets it as current.</summary>
    /// <exception cref="KubeconfigException">No current context (<c>current-context must exist in order to minify</c>), or a missing context, cluster or user.</exception>
    public static Kubeconfig Minify(Kubeconfig config, string? context = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var name = string.IsNullOrEmpty(context) ? config.CurrentContext : context;
        if (string.IsNullOrEmpty(name))
        {
            throw new KubeconfigException("current-context must exist in order to minify");
        }

        var ctx = config.FindContext(name) ?? throw new KubeconfigException($"cannot locate context {name}");
        KubeconfigCluster[] clusters = [];
        if (!string.IsNullOrEmpty(ctx.Cluster))
        {
            clusters = [config.FindCluster(ctx.Cluster) ?? throw new KubeconfigException($"cannot locate cluster {ctx.Cluster}", ctx.Source?.File, ctx.Source?.Line ?? 0, ctx.Source?.Column ?? 0, $"contexts.{name}.cluster")];
        }

        KubeconfigUser[] users = [];
        if (!string.IsNullOrEmpty(ctx.User))
        {
            users = [config.FindUser(ctx.User) ?? throw new KubeconfigException($"cannot locate user {ctx.User}", ctx.Source?.File, ctx.Source?.Line ?? 0, ctx.Source?.Column ?? 0, $"contexts.{name}.user")];
        }

        return config with { Contexts = [ctx], Clusters = clusters, Users = users, CurrentContext = name };
    }

    /// <summary>Inlines certificate-authority, client-certificate and client-key files as <c>-data</c> (relative paths against the entry's file).</summary>
    /// <exception cref="KubeconfigException">A referenced file cannot be read.</exception>
    public static async Task<Kubeconfig> FlattenAsync(Kubeconfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        var clusters = new KubeconfigCluster[config.Clusters.Count];
        for (var i = 0; i < clusters.Length; i++)
        {
            var c = config.Clusters[i];
            if (!string.IsNullOrEmpty(c.CertificateAuthority))
            {
                c = c with { CertificateAuthorityData = await ReadReferencedAsync(c, c.CertificateAuthority, "certificate-authority", cancellationToken).ConfigureAwait(false), CertificateAuthority = null };
            }

            clusters[i] = c;
        }

        var users = new KubeconfigUser[config.Users.Count];
        for (var i = 0; i < users.Length; i++)
        {
            var u = config.Users[i];
            if (!string.IsNullOrEmpty(u.ClientCertificate))
            {
                u = u with { ClientCertificateData = await ReadReferencedAsync(u, u.ClientCertificate, "client-certificate", cancellationToken).ConfigureAwait(false), ClientCertificate = null };
            }

            if (!string.IsNullOrEmpty(u.ClientKey))
            {
                u = u with { ClientKeyData = await ReadReferencedAsync(u, u.ClientKey, "client-key", cancellationToken).ConfigureAwait(false), ClientKey = null };
            }

            users[i] = u;
        }

        return config with { Clusters = clusters, Users = users };
    }

    internal static string ResolvePath(KubeconfigEntry entry, string path) =>
        Path.IsPathRooted(path) || entry.Source is null ? path : Path.GetFullPath(Path.Combine(entry.Source.Directory, path));

    internal static async Task<byte[]> ReadReferencedAsync(KubeconfigEntry entry, string path, string field, CancellationToken cancellationToken)
    {
        var full = ResolvePath(entry, path);
        try
        {
            return await File.ReadAllBytesAsync(full, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var kind = entry is KubeconfigCluster ? "clusters" : "users";
            throw new KubeconfigException($"cannot read {full}: {e.Message}", entry.Source?.File, entry.Source?.Line ?? 0, entry.Source?.Column ?? 0, $"{kind}.{entry.Name}.{field}", e);
        }
    }

    /// <summary>Applies the options (minify, then flatten or redaction) and returns the resulting model.</summary>
    public static async Task<Kubeconfig> ApplyAsync(Kubeconfig config, KubeconfigViewOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrEmpty(options.Context))
        {
            config = config with { CurrentContext = options.Context };
        }

        if (options.Minify)
        {
            config = Minify(config);
        }

        if (options.Flatten)
        {
            config = await FlattenAsync(config, cancellationToken).ConfigureAwait(false);
        }

        return config;
    }

    /// <summary>Renders what <c>kubectl config view</c> prints for these options.</summary>
    /// <exception cref="KubeconfigException">Minify or flatten failed.</exception>
    public static async Task<string> RenderAsync(Kubeconfig config, KubeconfigViewOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KubeconfigViewOptions();
        var applied = await ApplyAsync(config, options, cancellationToken).ConfigureAwait(false);
        return Render(applied, redact: !options.Raw && !options.Flatten, options.Format, options.IncludeUnknownFields);
    }

    /// <summary>Renders a model without further processing.</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="redact">Replace secrets as kubectl does without <c>--raw</c>.</param>
    /// <param name="format">YAML or JSON.</param>
    /// <param name="includeUnknownFields">Also print fields kubectl does not know.</param>
    public static string Render(Kubeconfig config, bool redact, KubeconfigOutputFormat format = KubeconfigOutputFormat.Yaml, bool includeUnknownFields = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        return KubeconfigSerializer.Render(KubeconfigSerializer.ToNode(config, redact, includeUnknownFields), format);
    }

    /// <summary>The YAML a kubeconfig file holds after kubectl writes it, plus the unknown fields this library keeps.</summary>
    public static string ToFileYaml(Kubeconfig config, bool includeUnknownFields = true) =>
        Render(config, redact: false, KubeconfigOutputFormat.Yaml, includeUnknownFields);
}
