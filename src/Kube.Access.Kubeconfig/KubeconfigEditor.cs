using System.Text;

namespace Kube.Access.Kubeconfig;

/// <summary><c>kubectl config set-cluster</c> flags; <c>null</c> means "not given".</summary>
public sealed record KubeconfigClusterSettings
{
    /// <summary><c>--server</c>.</summary>
    public string? Server { get; init; }

    /// <summary><c>--certificate-authority</c>: a file (made absolute, or embedded with <see cref="EmbedCerts"/>).</summary>
    public string? CertificateAuthority { get; init; }

    /// <summary><c>--embed-certs</c>.</summary>
    public bool EmbedCerts { get; init; }

    /// <summary><c>--insecure-skip-tls-verify</c> (true clears the certificate authority).</summary>
    public bool? InsecureSkipTlsVerify { get; init; }

    /// <summary><c>--tls-server-name</c>.</summary>
    public string? TlsServerName { get; init; }

    /// <summary><c>--proxy-url</c>.</summary>
    public string? ProxyUrl { get; init; }
}

/// <summary><c>kubectl config set-credentials</c> flags; <c>null</c> means "not given".</summary>
public sealed record KubeconfigCredentialSettings
{
    /// <summary><c>--client-certificate</c>.</summary>
    public string? ClientCertificate { get; init; }

    /// <summary><c>--client-key</c>.</summary>
    public string? ClientKey { get; init; }

    /// <summary><c>--embed-certs</c>.</summary>
    public bool EmbedCerts { get; init; }

    /// <summary><c>--token</c>.</summary>
    public string? Token { get; init; }

    /// <summary><c>--username</c>.</summary>
    public string? Username { get; init; }

    /// <summary><c>--password</c>.</summary>
    public string? Password { get; init; }

    /// <summary><c>--auth-provider</c>.</summary>
    public string? AuthProvider { get; init; }

    /// <summary><c>--auth-provider-arg</c>: <c>key=value</c> to set, <c>key-</c> to remove.</summary>
    public IReadOnlyList<string>? AuthProviderArgs { get; init; }

    /// <summary><c>--exec-command</c>.</summary>
    public string? ExecCommand { get; init; }

    /// <summary><c>--exec-api-version</c>.</summary>
    public string? ExecApiVersion { get; init; }

    /// <summary><c>--exec-arg</c>: replaces the argument list.</summary>
    public IReadOnlyList<string>? ExecArgs { get; init; }

    /// <summary><c>--exec-env</c>: <c>key=value</c> to set, <c>key-</c> to remove.</summary>
    public IReadOnlyList<string>? ExecEnv { get; init; }

    /// <summary><c>--exec-interactive-mode</c>.</summary>
    public string? ExecInteractiveMode { get; init; }

    /// <summary><c>--exec-provide-cluster-info</c>.</summary>
    public bool? ExecProvideClusterInfo { get; init; }
}

/// <summary><c>kubectl config set-context</c> flags; <c>null</c> means "not given".</summary>
public sealed record KubeconfigContextSettings
{
    /// <summary><c>--cluster</c>.</summary>
    public string? Cluster { get; init; }

    /// <summary><c>--user</c>.</summary>
    public string? User { get; init; }

    /// <summary><c>--namespace</c>.</summary>
    public string? Namespace { get; init; }
}

/// <summary>The outcome of an edit.</summary>
/// <param name="Message">What kubectl prints for the same edit (for example <c>Cluster "c" set.</c>).</param>
/// <param name="WrittenFiles">The files written, in order.</param>
/// <param name="Warning">A warning kubectl prints on stderr, if any.</param>
public sealed record KubeconfigEditResult(string Message, IReadOnlyList<string> WrittenFiles, string? Warning = null);

/// <summary>Options of <see cref="KubeconfigEditor"/>.</summary>
public sealed record KubeconfigEditorOptions
{
    /// <summary>How long to wait for another writer's <c>&lt;file&gt;.lock</c>; default zero (fail at once, as client-go).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>The directory relative flag paths (<c>--certificate-authority</c>, ...) resolve against; default the current directory.</summary>
    public string? WorkingDirectory { get; init; }
}

/// <summary>
/// The edits of <c>kubectl config</c>, written back the way kubectl writes them: each change goes to
/// the file its entry came from, new entries and current-context to the file kubectl picks; all
/// files of the loading rules are locked with <c>&lt;file&gt;.lock</c>; every file is replaced
/// atomically (temporary file, flush, rename; mode 0600 for new files); unknown fields survive.
/// </summary>
public interface IKubeconfigEditor
{
    /// <summary><c>kubectl config set-cluster NAME</c>.</summary>
    Task<KubeconfigEditResult> SetClusterAsync(string name, KubeconfigClusterSettings settings, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config set-credentials NAME</c>.</summary>
    Task<KubeconfigEditResult> SetCredentialsAsync(string name, KubeconfigCredentialSettings settings, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config set-context NAME</c>, or with <paramref name="name"/> null the current context (<c>--current</c>).</summary>
    Task<KubeconfigEditResult> SetContextAsync(string? name, KubeconfigContextSettings settings, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config use-context NAME</c>.</summary>
    Task<KubeconfigEditResult> UseContextAsync(string name, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config set PROPERTY VALUE</c> (for example <c>contexts.dev.namespace</c>); <c>*-data</c> values are base64 unless <paramref name="rawBytes"/>.</summary>
    Task<KubeconfigEditResult> SetAsync(string property, string value, bool rawBytes = false, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config unset PROPERTY</c> (for example <c>users.developer</c> or <c>contexts.dev.namespace</c>).</summary>
    Task<KubeconfigEditResult> UnsetAsync(string property, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config delete-context NAME</c>.</summary>
    Task<KubeconfigEditResult> DeleteContextAsync(string name, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config delete-cluster NAME</c>.</summary>
    Task<KubeconfigEditResult> DeleteClusterAsync(string name, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config delete-user NAME</c>.</summary>
    Task<KubeconfigEditResult> DeleteUserAsync(string name, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config rename-context OLD NEW</c>.</summary>
    Task<KubeconfigEditResult> RenameContextAsync(string oldName, string newName, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary>Any edit of the merged configuration, written back with the same rules (client-go's ModifyConfig).</summary>
    Task<KubeconfigEditResult> ModifyAsync(Func<Kubeconfig, Kubeconfig> edit, bool relativizePaths = true, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);
}

/// <summary>The default <see cref="IKubeconfigEditor"/>.</summary>
public sealed class KubeconfigEditor : IKubeconfigEditor
{
    private static readonly UTF8Encoding Utf8 = new(false);
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
        var locks = await LockAllAsync(precedence, cancellationToken).ConfigureAwait(false);
        try
        {
            var starting = await LoadStartingAsync(options, cancellationToken).ConfigureAwait(false);
            var (updated, message, warning) = edit(starting);
            cancellationToken.ThrowIfCancellationRequested();

            // From here on every file is written completely or not at all; no cancellation between files.
            var written = await WriteDifferencesAsync(options, precedence, starting, updated, relativize).ConfigureAwait(false);
            return new KubeconfigEditResult(message, written, warning);
        }
        finally
        {
            foreach (var l in locks)
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
        }
    }

    private async Task<Kubeconfig> LoadStartingAsync(KubeconfigLoadingOptions options, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(options.ExplicitPath) && !File.Exists(options.ExplicitPath))
        {
            return new Kubeconfig();
        }

        return await _loader.LoadAsync(options, cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<string>> LockAllAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
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

                var deadline = DateTime.UtcNow + _options.LockTimeout;
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

            return locks;
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

    private static async Task<Kubeconfig> ReadForWriteAsync(string file) =>
        await KubeconfigLoader.ReadIfExistsAsync(file, CancellationToken.None).ConfigureAwait(false) ?? new Kubeconfig();

    private async Task<List<string>> WriteDifferencesAsync(KubeconfigLoadingOptions options, IReadOnlyList<string> precedence, Kubeconfig starting, Kubeconfig updated, bool relativize)
    {
        var written = new List<string>();
        var explicitFile = string.IsNullOrEmpty(options.ExplicitPath) ? null : options.ExplicitPath;
        var defaultFile = _loader.GetDefaultFilename(options);

        async Task Write(string file, Kubeconfig config)
        {
            await WriteFileAtomicAsync(file, KubeconfigView.ToFileYaml(config)).ConfigureAwait(false);
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

    /// <summary>Replaces <paramref name="path"/> atomically: temporary file in the same directory, flush to disk, rename.</summary>
    internal static async Task WriteFileAtomicAsync(string path, string content)
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
