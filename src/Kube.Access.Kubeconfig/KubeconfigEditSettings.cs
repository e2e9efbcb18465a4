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

    // The record's printer, with the proxy URL's password redacted.
    private bool PrintMembers(StringBuilder builder)
    {
        var any = false;
        RecordPrinter.Member(builder, ref any, nameof(Server), Server);
        RecordPrinter.Member(builder, ref any, nameof(CertificateAuthority), CertificateAuthority);
        RecordPrinter.Member(builder, ref any, nameof(EmbedCerts), EmbedCerts);
        RecordPrinter.Member(builder, ref any, nameof(InsecureSkipTlsVerify), InsecureSkipTlsVerify);
        RecordPrinter.Member(builder, ref any, nameof(TlsServerName), TlsServerName);
        RecordPrinter.Member(builder, ref any, nameof(ProxyUrl), KubeRedaction.Url(ProxyUrl));
        return true;
    }
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

    // The record's printer, with the token and password redacted (the lists print as their type, never their items).
    private bool PrintMembers(StringBuilder builder)
    {
        var any = false;
        RecordPrinter.Member(builder, ref any, nameof(ClientCertificate), ClientCertificate);
        RecordPrinter.Member(builder, ref any, nameof(ClientKey), ClientKey);
        RecordPrinter.Member(builder, ref any, nameof(EmbedCerts), EmbedCerts);
        RecordPrinter.Member(builder, ref any, nameof(Token), KubeRedaction.Secret(Token));
        RecordPrinter.Member(builder, ref any, nameof(Username), Username);
        RecordPrinter.Member(builder, ref any, nameof(Password), KubeRedaction.Secret(Password));
        RecordPrinter.Member(builder, ref any, nameof(AuthProvider), AuthProvider);
        RecordPrinter.Member(builder, ref any, nameof(AuthProviderArgs), AuthProviderArgs);
        RecordPrinter.Member(builder, ref any, nameof(ExecCommand), ExecCommand);
        RecordPrinter.Member(builder, ref any, nameof(ExecApiVersion), ExecApiVersion);
        RecordPrinter.Member(builder, ref any, nameof(ExecArgs), ExecArgs);
        RecordPrinter.Member(builder, ref any, nameof(ExecEnv), ExecEnv);
        RecordPrinter.Member(builder, ref any, nameof(ExecInteractiveMode), ExecInteractiveMode);
        RecordPrinter.Member(builder, ref any, nameof(ExecProvideClusterInfo), ExecProvideClusterInfo);
        return true;
    }
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
