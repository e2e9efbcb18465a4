namespace Kube.Access.Kubeconfig;

/// <summary>The default <see cref="IKubeconfigEditor"/>.</summary>
public sealed class KubeconfigEditor : IKubeconfigEditor
{
    private readonly IKubeconfigLoader _loader;
    private readonly KubeconfigEditorOptions _options;

    /// <summary>Creates an editor.</summary>
    /// <param name="loader">The loader whose rules pick the files; default <see cref="KubeconfigLoader.Instance"/>.</param>
    /// <param name="options">Lock and path options.</param>
    public KubeconfigEditor(IKubeconfigLoader? loader = null, KubeconfigEditorOptions? options = null)
    {
        _loader = loader ?? KubeconfigLoader.Instance;
        _options = options ?? new KubeconfigEditorOptions();
    }

    private string Abs(string path) => Path.GetFullPath(path, _options.WorkingDirectory ?? Directory.GetCurrentDirectory());

    private static KubeconfigException Error(string message) => new(message);

    private static KubeconfigLoadingOptions Files(KubeconfigLoadingOptions? files) => files ?? new KubeconfigLoadingOptions();

    private static IReadOnlyList<T> Upsert<T>(IReadOnlyList<T> list, T item)
        where T : KubeconfigEntry
    {
        var result = new List<T>(list.Count + 1);
        var replaced = false;
        foreach (var x in list)
        {
            if (x.Name == item.Name)
            {
                if (!replaced)
                {
                    result.Add(item);
                    replaced = true;
                }
            }
            else
            {
                result.Add(x);
            }
        }

        if (!replaced)
        {
            result.Add(item);
        }

        return result;
    }

    private static IReadOnlyList<T> Remove<T>(IReadOnlyList<T> list, string name)
        where T : KubeconfigEntry => list.Where(x => x.Name != name).ToArray();

    /// <inheritdoc />
    public Task<KubeconfigEditResult> SetClusterAsync(string name, KubeconfigClusterSettings settings, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrEmpty(name))
        {
            throw Error("you must specify a non-empty cluster name");
        }

        if (settings.EmbedCerts && string.IsNullOrEmpty(settings.CertificateAuthority))
        {
            throw Error("you must specify a --certificate-authority to embed");
        }

        byte[]? embedded = null;
        if (settings.EmbedCerts)
        {
            try
            {
                embedded = File.ReadAllBytes(Abs(settings.CertificateAuthority!));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new KubeconfigException($"could not read certificate-authority data from {settings.CertificateAuthority}: {e.Message}", innerException: e);
            }
        }

        return EditAsync(files, true, config =>
        {
            var c = config.FindCluster(name) ?? new KubeconfigCluster { Name = name };
            if (settings.Server is not null)
            {
                c = c with { Server = KubeconfigParser.NullIfEmpty(settings.Server) };
            }

            if (settings.TlsServerName is not null)
            {
                c = c with { TlsServerName = KubeconfigParser.NullIfEmpty(settings.TlsServerName) };
            }

            if (settings.InsecureSkipTlsVerify is { } insecure)
            {
                c = c with { InsecureSkipTlsVerify = insecure };
                if (insecure)
                {
                    c = c with { CertificateAuthority = null, CertificateAuthorityData = null };
                }
            }

            if (settings.CertificateAuthority is not null)
            {
                if (settings.EmbedCerts)
                {
                    c = c with { CertificateAuthorityData = embedded is { Length: > 0 } ? embedded : null, InsecureSkipTlsVerify = false, CertificateAuthority = null };
                }
                else
                {
                    var path = settings.CertificateAuthority.Length == 0 ? string.Empty : Abs(settings.CertificateAuthority);
                    c = c with { CertificateAuthority = KubeconfigParser.NullIfEmpty(path) };
                    if (path.Length > 0)
                    {
                        c = c with { InsecureSkipTlsVerify = false, CertificateAuthorityData = null };
                    }
                }
            }

            if (settings.ProxyUrl is not null)
            {
                c = c with { ProxyUrl = KubeconfigParser.NullIfEmpty(settings.ProxyUrl) };
            }

            return (config with { Clusters = Upsert(config.Clusters, c) }, $"Cluster \"{name}\" set.", null);
        }, cancellationToken);
    }

    private static (Dictionary<string, string> Set, List<string> Remove) Pairs(IReadOnlyList<string> pairs, string flag)
    {
        var set = new Dictionary<string, string>(StringComparer.Ordinal);
        var remove = new List<string>();
        foreach (var p in pairs)
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                set[p[..eq]] = p[(eq + 1)..];
            }
            else if (p.Length > 1 && p.EndsWith('-'))
            {
                remove.Add(p[..^1]);
            }
            else
            {
                throw Error($"invalid {flag}: {p}");
            }
        }

        return (set, remove);
    }

    /// <inheritdoc />
    public Task<KubeconfigEditResult> SetCredentialsAsync(string name, KubeconfigCredentialSettings s, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (string.IsNullOrEmpty(name))
        {
            throw Error("you must specify a non-empty user name");
        }

        if (!string.IsNullOrEmpty(s.Token) && (!string.IsNullOrEmpty(s.Username) || !string.IsNullOrEmpty(s.Password)))
        {
            throw Error("you cannot specify more than one authentication method at the same time: --token, --username/--password");
        }

        byte[]? certData = null, keyData = null;
        if (s.EmbedCerts)
        {
            if (string.IsNullOrEmpty(s.ClientCertificate) && string.IsNullOrEmpty(s.ClientKey))
            {
                throw Error("you must specify a --client-certificate or --client-key to embed");
            }

            try
            {
                certData = string.IsNullOrEmpty(s.ClientCertificate) ? null : File.ReadAllBytes(Abs(s.ClientCertificate));
                keyData = string.IsNullOrEmpty(s.ClientKey) ? null : File.ReadAllBytes(Abs(s.ClientKey));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new KubeconfigException($"could not read the file to embed: {e.Message}", innerException: e);
            }
        }

        var providerArgs = s.AuthProviderArgs is { Count: > 0 } ? Pairs(s.AuthProviderArgs, "--auth-provider-arg") : default;
        var envArgs = s.ExecEnv is { Count: > 0 } ? Pairs(s.ExecEnv, "--exec-env") : default;
        return EditAsync(files, true, config =>
        {
            var u = config.FindUser(name) ?? new KubeconfigUser { Name = name };
            bool setToken = false, setBasic = false;
            if (s.ClientCertificate is not null)
            {
                if (s.EmbedCerts)
                {
                    u = u with { ClientCertificateData = certData is { Length: > 0 } ? certData : null, ClientCertificate = null };
                }
                else
                {
                    var p = s.ClientCertificate.Length == 0 ? null : Abs(s.ClientCertificate);
                    u = u with { ClientCertificate = p };
                    if (p is not null)
                    {
                        u = u with { ClientCertificateData = null };
                    }
                }
            }

            if (s.ClientKey is not null)
            {
                if (s.EmbedCerts)
                {
                    u = u with { ClientKeyData = keyData is { Length: > 0 } ? keyData : null, ClientKey = null };
                }
                else
                {
                    var p = s.ClientKey.Length == 0 ? null : Abs(s.ClientKey);
                    u = u with { ClientKey = p };
                    if (p is not null)
                    {
                        u = u with { ClientKeyData = null };
                    }
                }
            }

            if (s.Token is not null)
            {
                u = u with { Token = KubeconfigParser.NullIfEmpty(s.Token) };
                setToken = s.Token.Length > 0;
            }

            if (s.Username is not null)
            {
                u = u with { Username = KubeconfigParser.NullIfEmpty(s.Username) };
                setBasic |= s.Username.Length > 0;
            }

            if (s.Password is not null)
            {
                u = u with { Password = KubeconfigParser.NullIfEmpty(s.Password) };
                setBasic |= s.Password.Length > 0;
            }

            if (s.AuthProvider is not null && (u.AuthProvider is null || u.AuthProvider.Name != s.AuthProvider))
            {
                u = u with { AuthProvider = new KubeconfigAuthProvider { Name = s.AuthProvider } };
            }

            if (u.AuthProvider is { } ap)
            {
                var config2 = new SortedDictionary<string, string>(ap.Config?.ToDictionary() ?? [], StringComparer.Ordinal);
                if (providerArgs.Remove is not null)
                {
                    foreach (var r in providerArgs.Remove)
                    {
                        config2.Remove(r);
                    }

                    foreach (var (k, v) in providerArgs.Set)
                    {
                        config2[k] = v;
                    }
                }

                u = u with { AuthProvider = ap with { Config = config2 } };
            }

            if (s.ExecCommand is not null)
            {
                u = u with { Exec = u.Exec is null ? new KubeconfigExec { Command = s.ExecCommand } : u.Exec with { Command = s.ExecCommand, Args = null } };
            }

            if (u.Exec is { } exec)
            {
                if (s.ExecApiVersion is not null)
                {
                    exec = exec with { ApiVersion = KubeconfigParser.NullIfEmpty(s.ExecApiVersion) };
                }

                if (s.ExecArgs is { Count: > 0 })
                {
                    exec = exec with { Args = s.ExecArgs.ToArray() };
                }

                if (s.ExecInteractiveMode is not null)
                {
                    exec = exec with { InteractiveMode = KubeconfigParser.NullIfEmpty(s.ExecInteractiveMode) };
                }

                if (s.ExecProvideClusterInfo is { } provide)
                {
                    exec = exec with { ProvideClusterInfo = provide };
                }

                if (envArgs.Remove is { Count: > 0 })
                {
                    exec = exec with { Env = (exec.Env ?? []).Where(e => !envArgs.Remove.Contains(e.Name)).ToArray() };
                }

                if (envArgs.Set is { Count: > 0 })
                {
                    var env = (exec.Env ?? []).ToList();
                    foreach (var (k, v) in envArgs.Set)
                    {
                        var i = env.FindIndex(e => e.Name == k);
                        if (i >= 0)
                        {
                            env[i] = env[i] with { Value = v };
                        }
                        else
                        {
                            env.Add(new KubeconfigExecEnvVar(k, v));
                        }
                    }

                    exec = exec with { Env = env };
                }

                u = u with { Exec = exec };
            }

            if (setToken || setBasic)
            {
                if (!setToken)
                {
                    u = u with { Token = null };
                }

                if (!setBasic)
                {
                    u = u with { Username = null, Password = null };
                }
            }

            return (config with { Users = Upsert(config.Users, u) }, $"User \"{name}\" set.", null);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<KubeconfigEditResult> SetContextAsync(string? name, KubeconfigContextSettings settings, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return EditAsync(files, true, config =>
        {
            var n = name;
            if (n is null)
            {
                n = config.CurrentContext;
                if (string.IsNullOrEmpty(n))
                {
                    throw Error("no current context is set");
                }
            }
            else if (n.Length == 0)
            {
                throw Error("you must specify a non-empty context name or --current");
            }

            var existing = config.FindContext(n);
            var c = existing ?? new KubeconfigContext { Name = n };
            if (settings.Cluster is not null)
            {
                c = c with { Cluster = KubeconfigParser.NullIfEmpty(settings.Cluster) };
            }

            if (settings.User is not null)
            {
                c = c with { User = KubeconfigParser.NullIfEmpty(settings.User) };
            }

            if (settings.Namespace is not null)
            {
                c = c with { Namespace = KubeconfigParser.NullIfEmpty(settings.Namespace) };
            }

            return (config with { Contexts = Upsert(config.Contexts, c) }, existing is null ? $"Context \"{n}\" created." : $"Context \"{n}\" modified.", null);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<KubeconfigEditResult> UseContextAsync(string name, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default) =>
        EditAsync(files, true, config =>
        {
            if (string.IsNullOrEmpty(name))
            {
                throw Error("empty context names are not allowed");
            }

            if (config.FindContext(name) is null)
            {
                throw Error($"no context exists with the name: \"{name}\"");
            }

            return (config with { CurrentContext = name }, $"Switched to context \"{name}\".", null);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<KubeconfigEditResult> DeleteContextAsync(string name, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default)
    {
        var file = FileForMessages(files);
        return EditAsync(files, true, config =>
        {
            if (config.FindContext(name) is null)
            {
                throw Error($"cannot delete context {name}, not in {file}");
            }

            var warning = config.CurrentContext == name ? "warning: this removed your active context, use \"kubectl config use-context\" to select a different one" : null;
            return (config with { Contexts = Remove(config.Contexts, name) }, $"deleted context {name} from {file}", warning);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<KubeconfigEditResult> DeleteClusterAsync(string name, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default)
    {
        var file = FileForMessages(files);
        return EditAsync(files, true, config =>
        {
            if (config.FindCluster(name) is null)
            {
                throw Error($"cannot delete cluster {name}, not in {file}");
            }

            return (config with { Clusters = Remove(config.Clusters, name) }, $"deleted cluster {name} from {file}", null);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<KubeconfigEditResult> DeleteUserAsync(string name, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default)
    {
        var file = FileForMessages(files);
        return EditAsync(files, true, config =>
        {
            if (config.FindUser(name) is null)
            {
                throw Error($"cannot delete user {name}, not in {file}");
            }

            return (config with { Users = Remove(config.Users, name) }, $"deleted user {name} from {file}", null);
        }, cancellationToken);
    }

    private string FileForMessages(KubeconfigLoadingOptions? files) => _loader.GetDefaultFilename(Files(files));

    /// <inheritdoc />
    public Task<KubeconfigEditResult> RenameContextAsync(string oldName, string newName, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default)
    {
        var file = FileForMessages(files);
        return EditAsync(files, true, config =>
        {
            if (string.IsNullOrEmpty(newName))
            {
                throw Error("you must specify a new non-empty context name");
            }

            var context = config.FindContext(oldName) ?? throw Error($"cannot rename the context \"{oldName}\", it's not in {file}");
            if (config.FindContext(newName) is not null)
            {
                throw Error($"cannot rename the context \"{oldName}\", the context \"{newName}\" already exists in {file}");
            }

            var contexts = Remove(config.Contexts, oldName).Append(context with { Name = newName }).ToArray();
            var current = config.CurrentContext == oldName ? newName : config.CurrentContext;
            return (config with { Contexts = contexts, CurrentContext = current }, $"Context \"{oldName}\" renamed to \"{newName}\".", null);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<KubeconfigEditResult> SetAsync(string property, string value, bool rawBytes = false, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return EditAsync(files, false, config => (PropertyPath.Apply(config, property, value, rawBytes), $"Property \"{property}\" set.", null), cancellationToken);
    }

    /// <inheritdoc />
    public Task<KubeconfigEditResult> UnsetAsync(string property, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default) =>
        EditAsync(files, false, config => (PropertyPath.Apply(config, property, null, false), $"Property \"{property}\" unset.", null), cancellationToken);

    /// <inheritdoc />
    public Task<KubeconfigEditResult> ModifyAsync(Func<Kubeconfig, Kubeconfig> edit, bool relativizePaths = true, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edit);
        return EditAsync(files, relativizePaths, config => (edit(config), "Configuration modified.", null), cancellationToken);
    }

    private async Task<KubeconfigEditResult> EditAsync(KubeconfigLoadingOptions? files, bool relativize, Func<Kubeconfig, (Kubeconfig Config, string Message, string? Warning)> edit, CancellationToken cancellationToken)
    {
        var options = Files(files);
        var precedence = _loader.GetLoadingPrecedence(options);
        using var locks = await KubeconfigWriter.LockAllAsync(precedence, _options.LockTimeout, cancellationToken).ConfigureAwait(false);
        var starting = await LoadStartingAsync(options, cancellationToken).ConfigureAwait(false);
        var (updated, message, warning) = edit(starting);
        cancellationToken.ThrowIfCancellationRequested();

        // From here on every file is written completely or not at all; no cancellation between files.
        var written = await WriteDifferencesAsync(options, precedence, starting, updated, relativize).ConfigureAwait(false);
        return new KubeconfigEditResult(message, written, warning);
    }


    private async Task<Kubeconfig> LoadStartingAsync(KubeconfigLoadingOptions options, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(options.ExplicitPath) && !File.Exists(options.ExplicitPath))
        {
            return new Kubeconfig();
        }

        return await _loader.LoadAsync(options, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Kubeconfig> ReadForWriteAsync(string file) =>
        await KubeconfigLoader.ReadIfExistsAsync(file, CancellationToken.None).ConfigureAwait(false) ?? new Kubeconfig();

    private async Task<List<string>> WriteDifferencesAsync(KubeconfigLoadingOptions options, IReadOnlyList<string> precedence, Kubeconfig starting, Kubeconfig updated, bool relativize)
    {
        var written = new List<string>();
        var explicitFile = string.IsNullOrEmpty(options.ExplicitPath) ? null : options.ExplicitPath;
        var defaultFile = _loader.GetDefaultFilename(options);

        async Task Write(string file, Kubeconfig config)
        {
            await KubeconfigWriter.WriteFileAtomicAsync(file, KubeconfigView.ToFileYaml(config)).ConfigureAwait(false);
            if (!written.Contains(file))
            {
                written.Add(file);
            }
        }

        // current-context
        if ((starting.CurrentContext ?? string.Empty) != (updated.CurrentContext ?? string.Empty))
        {
            if (explicitFile is not null)
            {
                await Write(explicitFile, (await ReadForWriteAsync(explicitFile).ConfigureAwait(false)) with { CurrentContext = updated.CurrentContext }).ConfigureAwait(false);
            }
            else if (!string.IsNullOrEmpty(updated.CurrentContext))
            {
                await Write(defaultFile, (await ReadForWriteAsync(defaultFile).ConfigureAwait(false)) with { CurrentContext = updated.CurrentContext }).ConfigureAwait(false);
            }
            else
            {
                var cleared = false;
                foreach (var file in precedence)
                {
                    if (File.Exists(file))
                    {
                        var c = await ReadForWriteAsync(file).ConfigureAwait(false);
                        if (!string.IsNullOrEmpty(c.CurrentContext))
                        {
                            await Write(file, c with { CurrentContext = null }).ConfigureAwait(false);
                            cleared = true;
                            break;
                        }
                    }
                }

                if (!cleared)
                {
                    throw new KubeconfigException("no config found to write context");
                }
            }
        }

        // preferences
        var newPrefs = KubeconfigSerializer.Fingerprint(updated.Preferences);
        if (KubeconfigSerializer.Fingerprint(starting.Preferences) != newPrefs)
        {
            var files = explicitFile is not null ? [explicitFile] : precedence;
            foreach (var file in files)
            {
                var c = await ReadForWriteAsync(file).ConfigureAwait(false);
                if (KubeconfigSerializer.Fingerprint(c.Preferences) != newPrefs || explicitFile is not null)
                {
                    await Write(file, c with { Preferences = updated.Preferences }).ConfigureAwait(false);
                    break;
                }
            }
        }

        // clusters
        foreach (var cluster in updated.Clusters)
        {
            var before = starting.FindCluster(cluster.Name);
            if (before is null || KubeconfigSerializer.Fingerprint(before) != KubeconfigSerializer.Fingerprint(cluster))
            {
                var dest = cluster.Source?.File ?? defaultFile;
                var entry = cluster with { Source = new KubeconfigSource(dest) };
                if (relativize)
                {
                    entry = entry with { CertificateAuthority = Relativize(entry.CertificateAuthority, entry.Source.Directory) };
                }

                var c = await ReadForWriteAsync(dest).ConfigureAwait(false);
                await Write(dest, c with { Clusters = Upsert(c.Clusters, entry) }).ConfigureAwait(false);
            }
        }

        // contexts (batched per file, never relativized)
        var contextFiles = new Dictionary<string, Kubeconfig>(StringComparer.Ordinal);
        var contextOrder = new List<string>();
        foreach (var context in updated.Contexts)
        {
            var before = starting.FindContext(context.Name);
            if (before is null || KubeconfigSerializer.Fingerprint(before) != KubeconfigSerializer.Fingerprint(context))
            {
                var dest = context.Source?.File ?? defaultFile;
                if (!contextFiles.TryGetValue(dest, out var c))
                {
                    c = await ReadForWriteAsync(dest).ConfigureAwait(false);
                    contextOrder.Add(dest);
                }

                contextFiles[dest] = c with { Contexts = Upsert(c.Contexts, context with { Source = new KubeconfigSource(dest) }) };
            }
        }

        foreach (var dest in contextOrder)
        {
            await Write(dest, contextFiles[dest]).ConfigureAwait(false);
        }

        // users
        foreach (var user in updated.Users)
        {
            var before = starting.FindUser(user.Name);
            if (before is null || KubeconfigSerializer.Fingerprint(before) != KubeconfigSerializer.Fingerprint(user))
            {
                var dest = user.Source?.File ?? defaultFile;
                var entry = user with { Source = new KubeconfigSource(dest) };
                if (relativize)
                {
                    var dir = entry.Source.Directory;
                    entry = entry with
                    {
                        ClientCertificate = Relativize(entry.ClientCertificate, dir),
                        ClientKey = Relativize(entry.ClientKey, dir),
                        TokenFile = Relativize(entry.TokenFile, dir),
                    };
                    if (entry.Exec is { } exec && exec.Command.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    {
                        entry = entry with { Exec = exec with { Command = Relativize(exec.Command, dir) ?? string.Empty } };
                    }
                }

                var c = await ReadForWriteAsync(dest).ConfigureAwait(false);
                await Write(dest, c with { Users = Upsert(c.Users, entry) }).ConfigureAwait(false);
            }
        }

        // deletions
        foreach (var cluster in starting.Clusters)
        {
            if (updated.FindCluster(cluster.Name) is null)
            {
                var dest = cluster.Source?.File ?? defaultFile;
                var c = await ReadForWriteAsync(dest).ConfigureAwait(false);
                await Write(dest, c with { Clusters = Remove(c.Clusters, cluster.Name) }).ConfigureAwait(false);
            }
        }

        foreach (var context in starting.Contexts)
        {
            if (updated.FindContext(context.Name) is null)
            {
                var dest = context.Source?.File ?? defaultFile;
                var c = await ReadForWriteAsync(dest).ConfigureAwait(false);
                await Write(dest, c with { Contexts = Remove(c.Contexts, context.Name) }).ConfigureAwait(false);
            }
        }

        foreach (var user in starting.Users)
        {
            if (updated.FindUser(user.Name) is null)
            {
                var dest = user.Source?.File ?? defaultFile;
                var c = await ReadForWriteAsync(dest).ConfigureAwait(false);
                await Write(dest, c with { Users = Remove(c.Users, user.Name) }).ConfigureAwait(false);
            }
        }

        return written;
    }

    /// <summary>client-go's resolve-then-relativize-without-backsteps.</summary>
    private static string? Relativize(string? path, string baseDir)
    {
        if (string.IsNullOrEmpty(path))
        {
            return path;
        }

        var abs = Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(baseDir, path));
        var rel = Path.GetRelativePath(baseDir, abs);
        if (rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel))
        {
            return abs;
        }

        return rel;
    }
}
