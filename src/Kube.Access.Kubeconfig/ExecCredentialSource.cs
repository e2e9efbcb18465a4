using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Kube.Access.Kubeconfig;

/// <summary>How the exec-plugin allow-list works (kuberc's credentialPluginPolicy).</summary>
public enum ExecPluginPolicyMode
{
    /// <summary>Any plugin may run (kubectl's default).</summary>
    AllowAll,

    /// <summary>No plugin may run.</summary>
    DenyAll,

    /// <summary>Only plugins in <see cref="ExecPluginPolicy.Allowlist"/> may run.</summary>
    Allowlist,
}

/// <summary>
/// Which exec credential plugins may run. Exec plugins are code execution: a kubeconfig from an
/// untrusted source can name any program. An allow-list entry is either a bare name (matches a
/// command written as that bare name and found on PATH) or a full path (matches the resolved command).
/// </summary>
/// <param name="Mode">The policy.</param>
/// <param name="Allowlist">Allowed commands when <paramref name="Mode"/> is <see cref="ExecPluginPolicyMode.Allowlist"/>.</param>
public sealed record ExecPluginPolicy(ExecPluginPolicyMode Mode, IReadOnlyList<string>? Allowlist = null)
{
    /// <summary>Allow every plugin.</summary>
    public static ExecPluginPolicy AllowAll { get; } = new(ExecPluginPolicyMode.AllowAll);

    /// <summary>Allow no plugin.</summary>
    public static ExecPluginPolicy DenyAll { get; } = new(ExecPluginPolicyMode.DenyAll);

    /// <summary>Allow only the given commands (bare names or full paths).</summary>
    public static ExecPluginPolicy Allow(params string[] commands) => new(ExecPluginPolicyMode.Allowlist, commands);

    /// <summary>Whether <paramref name="command"/> (as written) resolved to <paramref name="fullPath"/> may run.</summary>
    public bool IsAllowed(string command, string fullPath) => Mode switch
    {
        ExecPluginPolicyMode.AllowAll => true,
        ExecPluginPolicyMode.DenyAll => false,
        _ => (Allowlist ?? []).Any(entry =>
            entry.Contains('/', StringComparison.Ordinal) || entry.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
                ? string.Equals(Path.GetFullPath(entry), fullPath, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)
                : string.Equals(entry, command, StringComparison.Ordinal)),
    };
}

/// <summary>Cluster information passed to exec plugins with <c>provideClusterInfo: true</c>.</summary>
internal sealed record ExecClusterInfo(string Server, string? TlsServerName, bool InsecureSkipTlsVerify, byte[]? CertificateAuthorityData, string? ProxyUrl, bool DisableCompression, KubeconfigNode? Config);

/// <summary>
/// Runs a client-go exec credential plugin (<c>client.authentication.k8s.io/v1</c> or <c>v1beta1</c>):
/// the command with its arguments as an argument list (never through a shell), its env on top of
/// ours, <c>KUBERNETES_EXEC_INFO</c>; caches the credential until its <c>expirationTimestamp</c>.
/// </summary>
public sealed class ExecCredentialSource : CachingCredentialSource
{
    private readonly KubeconfigExec _exec;
    private readonly string _command;
    private readonly string _user;
    private readonly ExecClusterInfo? _cluster;
    private readonly KubeconfigResolveOptions _options;

    internal ExecCredentialSource(KubeconfigExec exec, string command, string user, ExecClusterInfo? cluster, KubeconfigResolveOptions options)
    {
        _exec = exec;
        _command = command;
        _user = user;
        _cluster = cluster;
        _options = options;
    }

    /// <summary>Creates a source for an exec configuration outside a kubeconfig.</summary>
    /// <param name="exec">The plugin configuration.</param>
    /// <param name="options">Policy, clock and timeout.</param>
    public ExecCredentialSource(KubeconfigExec exec, KubeconfigResolveOptions? options = null)
        : this(exec ?? throw new ArgumentNullException(nameof(exec)), exec.Command, "(exec)", null, options ?? new KubeconfigResolveOptions())
    {
    }

    /// <summary>How many times the plugin has been run (for diagnostics and tests).</summary>
    public int Invocations { get; private set; }

    /// <inheritdoc />
    protected override ValueTask<KubeCredential> FetchAsync(CancellationToken cancellationToken) => new(RunAsync(cancellationToken));

    /// <inheritdoc />
    protected override bool IsFresh(KubeCredential credential) =>
        credential.ExpiresAt is null || _options.TimeProvider.GetUtcNow() < credential.ExpiresAt;

    private KubeCredentialException Fail(string message, Exception? inner = null) =>
        new($"exec plugin for user \"{_user}\" ({_exec.Command}): {message}", inner);

    private string? FindExecutable()
    {
        if (Path.IsPathRooted(_command))
        {
            return File.Exists(_command) ? _command : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var extensions = OperatingSystem.IsWindows()
            ? (Environment.GetEnvironmentVariable("PATHEXT") ?? ".EXE;.CMD;.BAT").Split(';', StringSplitOptions.RemoveEmptyEntries).Prepend(string.Empty).ToArray()
            : [string.Empty];
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var ext in extensions)
            {
                var candidate = Path.Combine(dir, _command + ext);
                if (File.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        return null;
    }

    private async Task<KubeCredential> RunAsync(CancellationToken cancellationToken)
    {
        var executable = FindExecutable();
        if (executable is null)
        {
            var hint = string.IsNullOrEmpty(_exec.InstallHint) ? string.Empty : "\n\n" + _exec.InstallHint;
            throw Fail($"executable {_exec.Command} not found{hint}");
        }

        if (!_options.ExecPolicy.IsAllowed(_exec.Command, executable))
        {
            throw Fail($"the exec plugin policy ({_options.ExecPolicy.Mode}) does not allow running {executable}");
        }

        var interactive = _exec.InteractiveMode switch
        {
            "Never" => false,
            "Always" => _options.Interactive ? true : throw Fail("the plugin requires interactive mode (interactiveMode: Always) but no interactive standard input is available"),
            _ => _options.Interactive,
        };

        var version = _exec.ApiVersion ?? "client.authentication.k8s.io/v1";
        var psi = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = !interactive,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in _exec.Args ?? [])
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var env in _exec.Env ?? [])
        {
            psi.Environment[env.Name] = env.Value;
        }

        psi.Environment["KUBERNETES_EXEC_INFO"] = ExecInfo(version, interactive);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ExecTimeout);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw Fail("the process did not start");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            var hint = string.IsNullOrEmpty(_exec.InstallHint) ? string.Empty : "\n\n" + _exec.InstallHint;
            throw Fail($"cannot start {executable}: {e.Message}{hint}", e);
        }

        using (process)
        {
            Invocations++;
            try
            {
                if (!interactive)
                {
                    process.StandardInput.Close();
                }

                var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
                var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                var output = await stdout.ConfigureAwait(false);
                var errors = await stderr.ConfigureAwait(false);
                if (process.ExitCode != 0)
                {
                    throw Fail($"exit code {process.ExitCode}{(string.IsNullOrWhiteSpace(errors) ? string.Empty : ": " + KubeRedaction.ErrorOutput(errors))}");
                }

                return Parse(output, version);
            }
            catch (OperationCanceledException e)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                throw Fail($"the plugin did not finish within {_options.ExecTimeout}", e);
            }
        }
    }

    private string ExecInfo(string version, bool interactive)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("kind", "ExecCredential");
            w.WriteString("apiVersion", version);
            w.WriteStartObject("spec");
            if (_cluster is { } c)
            {
                w.WriteStartObject("cluster");
                w.WriteString("server", c.Server);
                if (!string.IsNullOrEmpty(c.TlsServerName))
                {
                    w.WriteString("tls-server-name", c.TlsServerName);
                }

                if (c.InsecureSkipTlsVerify)
                {
                    w.WriteBoolean("insecure-skip-tls-verify", true);
                }

                if (c.CertificateAuthorityData is { Length: > 0 })
                {
                    w.WriteString("certificate-authority-data", Convert.ToBase64String(c.CertificateAuthorityData));
                }

                if (!string.IsNullOrEmpty(c.ProxyUrl))
                {
                    w.WriteString("proxy-url", c.ProxyUrl);
                }

                if (c.DisableCompression)
                {
                    w.WriteBoolean("disable-compression", true);
                }

                if (c.Config is not null)
                {
                    w.WritePropertyName("config");
                    using var doc = JsonDocument.Parse(Yaml.YamlWriter.ToJson(c.Config));
                    doc.RootElement.WriteTo(w);
                }

                w.WriteEndObject();
            }

            w.WriteBoolean("interactive", interactive);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private KubeCredential Parse(string output, string version)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(output);
        }
        catch (JsonException e)
        {
            throw Fail($"the plugin printed invalid JSON: {e.Message}", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail("the plugin output is not a JSON object");
            }

            var kind = Str(root, "kind");
            if (kind != "ExecCredential")
            {
                throw Fail($"the plugin returned kind '{kind}', expected ExecCredential");
            }

            var apiVersion = Str(root, "apiVersion");
            if (apiVersion != version)
            {
                throw Fail($"the plugin is configured to use API version {version}, plugin returned version {apiVersion}");
            }

            if (!root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object)
            {
                throw Fail("the plugin returned no status");
            }

            var token = Str(status, "token");
            var cert = Str(status, "clientCertificateData");
            var key = Str(status, "clientKeyData");
            if (string.IsNullOrEmpty(cert) != string.IsNullOrEmpty(key))
            {
                throw Fail("the plugin returned only one of clientCertificateData and clientKeyData");
            }

            if (string.IsNullOrEmpty(token) && string.IsNullOrEmpty(cert))
            {
                throw Fail("the plugin returned neither a token nor a client certificate");
            }

            DateTimeOffset? expires = null;
            var expiry = Str(status, "expirationTimestamp");
            if (!string.IsNullOrEmpty(expiry))
            {
                if (!DateTimeOffset.TryParse(expiry, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    throw Fail($"the plugin returned an invalid expirationTimestamp '{expiry}'");
                }

                expires = at;
            }

            if (!string.IsNullOrEmpty(cert))
            {
                KubeconfigCertificates.LoadClientCertificate(cert, key!).Dispose();
            }

            return new KubeCredential
            {
                BearerToken = string.IsNullOrEmpty(token) ? null : token,
                ClientCertificatePem = string.IsNullOrEmpty(cert) ? null : cert,
                ClientKeyPem = string.IsNullOrEmpty(key) ? null : key,
                ExpiresAt = expires,
            };
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
