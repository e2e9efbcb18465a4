using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Kube.Access.Kubeconfig;

/// <summary>Options for turning a context into a <see cref="KubeEndpoint"/>.</summary>
public sealed record KubeconfigResolveOptions
{
    /// <summary>Which exec credential plugins may run (kuberc's credentialPluginPolicy). Default: all, as kubectl.</summary>
    public ExecPluginPolicy ExecPolicy { get; init; } = ExecPluginPolicy.AllowAll;

    /// <summary>Whether an interactive standard input is available to exec plugins. Default false (an SDK has no terminal).</summary>
    public bool Interactive { get; init; }

    /// <summary>The clock used for exec credential expiry; default the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long an exec plugin may run before it is killed. Default one minute.</summary>
    public TimeSpan ExecTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a token file is trusted before it is read again. Default one minute.</summary>
    public TimeSpan TokenFileRefreshInterval { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>Helpers for kubeconfig client certificates.</summary>
public static class KubeconfigCertificates
{
    /// <summary>
    /// Loads a client certificate with its private key from PEM: RSA keys in PKCS#1 or PKCS#8, EC keys
    /// in SEC1 or PKCS#8 (encrypted keys are not supported, as in kubectl).
    /// </summary>
    /// <exception cref="KubeconfigException">The certificate or key is not valid PEM or they do not match.</exception>
    public static X509Certificate2 LoadClientCertificate(string certificatePem, string keyPem)
    {
        ArgumentNullException.ThrowIfNull(certificatePem);
        ArgumentNullException.ThrowIfNull(keyPem);
        try
        {
            var cert = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            if (OperatingSystem.IsWindows())
            {
                // SChannel needs a persisted key; round-trip through PKCS#12.
                using (cert)
                {
#if NET9_0_OR_GREATER
                    return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
#else
                    return new X509Certificate2(cert.Export(X509ContentType.Pkcs12));
#endif
                }
            }

            return cert;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new KubeconfigException($"cannot load the client certificate and key: {e.Message}", innerException: e);
        }
    }
}

internal static class EndpointResolver
{
    public static async Task<KubeEndpoint> ResolveAsync(Kubeconfig config, string? contextName, KubeconfigResolveOptions options, CancellationToken cancellationToken)
    {
        var name = string.IsNullOrEmpty(contextName) ? config.CurrentContext : contextName;
        if (string.IsNullOrEmpty(name))
        {
            throw new KubeconfigException($"no context chosen: current-context is not set and no context was given (contexts: {List(config.Contexts)})", config.Files.FirstOrDefault(), field: "current-context");
        }

        var context = config.FindContext(name)
            ?? throw new KubeconfigException($"context \"{name}\" does not exist (contexts: {List(config.Contexts)})", config.Files.FirstOrDefault(), field: "current-context");
        var where = context.Source;
        if (string.IsNullOrEmpty(context.Cluster))
        {
            throw new KubeconfigException($"context \"{name}\" names no cluster", where?.File, where?.Line ?? 0, where?.Column ?? 0, $"contexts.{name}.cluster");
        }

        var cluster = config.FindCluster(context.Cluster)
            ?? throw new KubeconfigException($"context \"{name}\" names cluster \"{context.Cluster}\", which does not exist (clusters: {List(config.Clusters)})", where?.File, where?.Line ?? 0, where?.Column ?? 0, $"contexts.{name}.cluster");
        KubeconfigUser? user = null;
        if (!string.IsNullOrEmpty(context.User))
        {
            user = config.FindUser(context.User)
                ?? throw new KubeconfigException($"context \"{name}\" names user \"{context.User}\", which does not exist (users: {List(config.Users)})", where?.File, where?.Line ?? 0, where?.Column ?? 0, $"contexts.{name}.user");
        }

        var cs = cluster.Source;
        if (string.IsNullOrEmpty(cluster.Server))
        {
            throw new KubeconfigException($"cluster \"{cluster.Name}\" has no server", cs?.File, cs?.Line ?? 0, cs?.Column ?? 0, $"clusters.{cluster.Name}.server");
        }

        if (!Uri.TryCreate(cluster.Server, UriKind.Absolute, out var server) || server.Scheme is not ("https" or "http"))
        {
            throw new KubeconfigException($"cluster \"{cluster.Name}\" has an invalid server URL '{cluster.Server}' (expected http:// or https://)", cs?.File, cs?.Line ?? 0, cs?.Column ?? 0, $"clusters.{cluster.Name}.server");
        }

        Uri? proxy = null;
        if (!string.IsNullOrEmpty(cluster.ProxyUrl)
            && (!Uri.TryCreate(cluster.ProxyUrl, UriKind.Absolute, out proxy) || proxy.Scheme is not ("http" or "https" or "socks5")))
        {
            throw new KubeconfigException($"cluster \"{cluster.Name}\" has an invalid proxy-url '{cluster.ProxyUrl}' (expected http, https or socks5)", cs?.File, cs?.Line ?? 0, cs?.Column ?? 0, $"clusters.{cluster.Name}.proxy-url");
        }

        // As client-go (transport.TLSConfigFor): a CA and insecure-skip-tls-verify together are refused, not one silently dropped.
        if (cluster.InsecureSkipTlsVerify && server.Scheme == "https"
            && (cluster.CertificateAuthorityData is not null || !string.IsNullOrEmpty(cluster.CertificateAuthority)))
        {
            throw new KubeconfigException(
                $"cluster \"{cluster.Name}\" sets both insecure-skip-tls-verify and {(cluster.CertificateAuthorityData is not null ? "certificate-authority-data" : "certificate-authority")}: specifying a root certificates file with the insecure flag is not allowed",
                cs?.File, cs?.Line ?? 0, cs?.Column ?? 0, $"clusters.{cluster.Name}.insecure-skip-tls-verify");
        }

        byte[]? caBytes = cluster.CertificateAuthorityData;
        if (caBytes is null && !string.IsNullOrEmpty(cluster.CertificateAuthority))
        {
            caBytes = await KubeconfigView.ReadReferencedAsync(cluster, cluster.CertificateAuthority, "certificate-authority", cancellationToken).ConfigureAwait(false);
        }

        var tls = new KubeTlsSettings
        {
            CertificateAuthorityPem = caBytes is null ? null : Encoding.UTF8.GetString(caBytes),
            InsecureSkipTlsVerify = cluster.InsecureSkipTlsVerify,
            TlsServerName = cluster.TlsServerName,
        };

        IKubeCredentialSource credentials = AnonymousCredentialSource.Instance;
        KubeImpersonation? impersonation = null;
        if (user is not null)
        {
            ValidateUser(user);
        }

        // As client-go (clientcmd reads the user's credentials only "if we are secure"): a plain http:// server gets
        // no token, password, exec plugin, client certificate or impersonation from the kubeconfig, so a bearer
        // token never crosses the network in clear text (such a server is a kubectl proxy, which needs none).
        if (user is not null && server.Scheme == Uri.UriSchemeHttps)
        {
            var us = user.Source;
            var certBytes = user.ClientCertificateData;
            if (certBytes is null && !string.IsNullOrEmpty(user.ClientCertificate))
            {
                certBytes = await KubeconfigView.ReadReferencedAsync(user, user.ClientCertificate, "client-certificate", cancellationToken).ConfigureAwait(false);
            }

            var keyBytes = user.ClientKeyData;
            if (keyBytes is null && !string.IsNullOrEmpty(user.ClientKey))
            {
                keyBytes = await KubeconfigView.ReadReferencedAsync(user, user.ClientKey, "client-key", cancellationToken).ConfigureAwait(false);
            }

            if ((certBytes is null) != (keyBytes is null))
            {
                throw new KubeconfigException($"user \"{user.Name}\" has a client {(certBytes is null ? "key" : "certificate")} without a client {(certBytes is null ? "certificate" : "key")}", us?.File, us?.Line ?? 0, us?.Column ?? 0, $"users.{user.Name}.{(certBytes is null ? "client-certificate" : "client-key")}");
            }

            if (certBytes is not null && keyBytes is not null)
            {
                var certPem = Encoding.UTF8.GetString(certBytes);
                var keyPem = Encoding.UTF8.GetString(keyBytes);
                try
                {
                    KubeconfigCertificates.LoadClientCertificate(certPem, keyPem).Dispose();
                }
                catch (KubeconfigException e)
                {
                    throw new KubeconfigException($"user \"{user.Name}\": {e.Reason}", us?.File, us?.Line ?? 0, us?.Column ?? 0, $"users.{user.Name}.client-key", e.InnerException);
                }

                tls = tls with { ClientCertificatePem = certPem, ClientKeyPem = keyPem };
            }

            if (!string.IsNullOrEmpty(user.Impersonate) || !string.IsNullOrEmpty(user.ImpersonateUid) || user.ImpersonateGroups is { Count: > 0 } || user.ImpersonateUserExtra is { Count: > 0 })
            {
                impersonation = new KubeImpersonation(user.Impersonate, user.ImpersonateUid, user.ImpersonateGroups, user.ImpersonateUserExtra);
            }

            credentials = CredentialsFor(user, cluster, caBytes, options);
        }

        return new KubeEndpoint
        {
            Server = server,
            Tls = tls,
            Credentials = credentials,
            ProxyUrl = proxy,
            Impersonation = impersonation,
            Namespace = context.Namespace ?? "default",
            ContextName = name,
            ClusterName = cluster.Name,
            UserName = user?.Name,
            Source = $"kubeconfig {string.Join(Path.PathSeparator, config.Files)}",
        };
    }

    private static IKubeCredentialSource CredentialsFor(KubeconfigUser user, KubeconfigCluster cluster, byte[]? caBytes, KubeconfigResolveOptions options)
    {
        var us = user.Source;
        if (!string.IsNullOrEmpty(user.Token))
        {
            return new StaticCredentialSource(KubeCredential.FromToken(user.Token));
        }

        if (!string.IsNullOrEmpty(user.TokenFile))
        {
            return new TokenFileCredentialSource(KubeconfigView.ResolvePath(user, user.TokenFile), options.TokenFileRefreshInterval, options.TimeProvider);
        }

        if (!string.IsNullOrEmpty(user.Username) || !string.IsNullOrEmpty(user.Password))
        {
            return new StaticCredentialSource(KubeCredential.FromBasic(user.Username ?? string.Empty, user.Password ?? string.Empty));
        }

        if (user.Exec is { } exec)
        {
            var command = exec.Command;
            if (command.Contains('/', StringComparison.Ordinal) || command.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                command = KubeconfigView.ResolvePath(user, command);
            }

            ExecClusterInfo? clusterInfo = exec.ProvideClusterInfo
                ? new ExecClusterInfo(cluster.Server!, cluster.TlsServerName, cluster.InsecureSkipTlsVerify, caBytes, cluster.ProxyUrl, cluster.DisableCompression,
                    cluster.Extensions.FirstOrDefault(x => x.Name == "client.authentication.k8s.io/exec")?.Value)
                : null;
            return new ExecCredentialSource(exec, command, user.Name, clusterInfo, options);
        }

        if (user.AuthProvider is { } provider)
        {
            return new UnsupportedAuthProviderSource(provider.Name, user.Name);
        }

        return AnonymousCredentialSource.Instance;
    }

    /// <summary>
    /// client-go's checks of a user entry (clientcmd <c>validateAuthInfo</c> and the rest config's), made whichever
    /// credential would be used: one of token and basic auth, impersonation extras only with a user to impersonate,
    /// a complete exec plugin and not beside an auth-provider.
    /// </summary>
    private static void ValidateUser(KubeconfigUser user)
    {
        var us = user.Source;
        KubeconfigException Fail(string message, string field) =>
            new(message, us?.File, us?.Line ?? 0, us?.Column ?? 0, $"users.{user.Name}.{field}");

        var basic = !string.IsNullOrEmpty(user.Username) || !string.IsNullOrEmpty(user.Password);
        if (basic && !string.IsNullOrEmpty(user.Token))
        {
            throw Fail($"more than one authentication method found for {user.Name}; found [token basicAuth], only one is allowed", "token");
        }

        if (basic && !string.IsNullOrEmpty(user.TokenFile))
        {
            throw Fail($"user \"{user.Name}\": username/password or bearer token may be set, but not both (tokenFile beside username/password)", "tokenFile");
        }

        if (string.IsNullOrEmpty(user.Impersonate)
            && (!string.IsNullOrEmpty(user.ImpersonateUid) || user.ImpersonateGroups is { Count: > 0 } || user.ImpersonateUserExtra is { Count: > 0 }))
        {
            throw Fail($"requesting uid, groups or user-extra for {user.Name} without impersonating a user", "as");
        }

        if (user.Exec is not { } exec)
        {
            return;
        }

        if (user.AuthProvider is not null)
        {
            throw Fail($"authProvider cannot be provided in combination with an exec plugin for {user.Name}", "auth-provider");
        }

        if (exec.Env?.FirstOrDefault(e => string.IsNullOrEmpty(e.Name)) is not null)
        {
            throw Fail($"env variable name must be specified for {user.Name} to use exec authentication plugin", "exec.env");
        }

        if (string.IsNullOrEmpty(exec.Command))
        {
            throw Fail($"command must be specified for {user.Name} to use exec authentication plugin", "exec.command");
        }

        if (exec.ApiVersion is not ("client.authentication.k8s.io/v1" or "client.authentication.k8s.io/v1beta1"))
        {
            throw Fail(string.IsNullOrEmpty(exec.ApiVersion)
                ? $"apiVersion must be specified for {user.Name} to use exec authentication plugin"
                : $"user \"{user.Name}\": exec plugin apiVersion '{exec.ApiVersion}' is not supported (use client.authentication.k8s.io/v1 or v1beta1)", "exec.apiVersion");
        }

        if (exec.InteractiveMode is null && exec.ApiVersion == "client.authentication.k8s.io/v1")
        {
            throw Fail($"interactiveMode must be specified for {user.Name} to use exec authentication plugin (required by client.authentication.k8s.io/v1)", "exec.interactiveMode");
        }

        if (exec.InteractiveMode is not (null or "Never" or "IfAvailable" or "Always"))
        {
            throw Fail($"invalid interactiveMode for {user.Name}: \"{exec.InteractiveMode}\" (Never, IfAvailable or Always)", "exec.interactiveMode");
        }
    }

    private static string List(IEnumerable<KubeconfigEntry> entries)
    {
        var names = entries.Select(e => e.Name).Order(StringComparer.Ordinal).ToArray();
        return names.Length == 0 ? "none" : string.Join(", ", names);
    }
}

/// <summary>A user with a legacy <c>auth-provider</c>: kubectl 1.26+ no longer ships providers; use an exec plugin.</summary>
internal sealed class UnsupportedAuthProviderSource(string provider, string user) : IKubeCredentialSource
{
    public ValueTask<KubeCredential> GetCredentialAsync(CancellationToken cancellationToken) =>
        throw new KubeCredentialException($"user \"{user}\" uses the auth-provider \"{provider}\", which is not supported (removed from kubectl in 1.26); configure an exec credential plugin instead (for example kubelogin or gke-gcloud-auth-plugin)");

    public ValueTask<bool> InvalidateAsync(KubeCredential rejected, CancellationToken cancellationToken) => new(false);
}
