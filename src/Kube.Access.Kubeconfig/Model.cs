using System.Text;

namespace Kube.Access.Kubeconfig;

/// <summary>A named extension (<c>extensions: [{name, extension}]</c>); the value is kept as written.</summary>
/// <param name="Name">The extension name.</param>
/// <param name="Value">The extension object.</param>
public sealed record KubeconfigExtension(string Name, KubeconfigNode Value);

/// <summary>Where an entry was read from.</summary>
/// <param name="File">The kubeconfig file as named in the loading rules (kubectl's LocationOfOrigin).</param>
/// <param name="Line">The 1-based line of the entry, or 0.</param>
/// <param name="Column">The 1-based column of the entry, or 0.</param>
public sealed record KubeconfigSource(string File, int Line = 0, int Column = 0)
{
    /// <summary>The absolute directory relative paths of the entry resolve against.</summary>
    public string Directory => Path.GetDirectoryName(Path.GetFullPath(File)) ?? Path.GetFullPath(".");
}

/// <summary>Common shape of the named entries of a kubeconfig.</summary>
public abstract record KubeconfigEntry
{
    /// <summary>The entry name.</summary>
    public required string Name { get; init; }

    /// <summary>Extensions of the entry.</summary>
    public IReadOnlyList<KubeconfigExtension> Extensions { get; init; } = [];

    /// <summary>Fields this library does not know, kept in order so that they survive a save.</summary>
    public IReadOnlyList<KeyValuePair<string, KubeconfigNode>> UnknownFields { get; init; } = [];

    /// <summary>The file that defined the entry, or <c>null</c> for an entry created in memory.</summary>
    public KubeconfigSource? Source { get; init; }
}

/// <summary>A <c>clusters[]</c> entry.</summary>
public sealed record KubeconfigCluster : KubeconfigEntry
{
    /// <summary><c>server</c>: the API server URL.</summary>
    public string? Server { get; init; }

    /// <summary><c>tls-server-name</c>.</summary>
    public string? TlsServerName { get; init; }

    /// <summary><c>insecure-skip-tls-verify</c>.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary><c>certificate-authority</c>: a file path.</summary>
    public string? CertificateAuthority { get; init; }

    /// <summary><c>certificate-authority-data</c>: PEM bytes (base64 in the file).</summary>
    public byte[]? CertificateAuthorityData { get; init; }

    /// <summary><c>proxy-url</c>.</summary>
    public string? ProxyUrl { get; init; }

    /// <summary><c>disable-compression</c>.</summary>
    public bool DisableCompression { get; init; }

    /// <summary>The record's printer, with the proxy URL's password redacted.</summary>
    protected override bool PrintMembers(StringBuilder builder)
    {
        var any = base.PrintMembers(builder);
        RecordPrinter.Member(builder, ref any, nameof(Server), Server);
        RecordPrinter.Member(builder, ref any, nameof(TlsServerName), TlsServerName);
        RecordPrinter.Member(builder, ref any, nameof(InsecureSkipTlsVerify), InsecureSkipTlsVerify);
        RecordPrinter.Member(builder, ref any, nameof(CertificateAuthority), CertificateAuthority);
        RecordPrinter.Member(builder, ref any, nameof(CertificateAuthorityData), CertificateAuthorityData);
        RecordPrinter.Member(builder, ref any, nameof(ProxyUrl), KubeRedaction.Url(ProxyUrl));
        RecordPrinter.Member(builder, ref any, nameof(DisableCompression), DisableCompression);
        return true;
    }
}

/// <summary>An environment variable of an exec plugin.</summary>
/// <param name="Name">The variable name.</param>
/// <param name="Value">The value.</param>
public sealed record KubeconfigExecEnvVar(string Name, string Value)
{
    // Environment values often carry secrets: the printer shows the name only.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name).Append(", Value = ").Append(KubeRedaction.Redacted);
        return true;
    }
}

/// <summary>A <c>user.exec</c> credential plugin.</summary>
public sealed record KubeconfigExec
{
    /// <summary><c>command</c>.</summary>
    public string Command { get; init; } = string.Empty;

    /// <summary><c>args</c>, or <c>null</c> when absent.</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary><c>env</c>, or <c>null</c> when absent.</summary>
    public IReadOnlyList<KubeconfigExecEnvVar>? Env { get; init; }

    /// <summary><c>apiVersion</c>: <c>client.authentication.k8s.io/v1</c> or <c>v1beta1</c>.</summary>
    public string? ApiVersion { get; init; }

    /// <summary><c>installHint</c>, shown when the command is missing.</summary>
    public string? InstallHint { get; init; }

    /// <summary><c>provideClusterInfo</c>.</summary>
    public bool ProvideClusterInfo { get; init; }

    /// <summary><c>interactiveMode</c>: <c>Never</c>, <c>IfAvailable</c> or <c>Always</c>.</summary>
    public string? InteractiveMode { get; init; }

    /// <summary>Fields this library does not know.</summary>
    public IReadOnlyList<KeyValuePair<string, KubeconfigNode>> UnknownFields { get; init; } = [];
}

/// <summary>A <c>user.auth-provider</c> (legacy; kubectl 1.26+ no longer ships providers).</summary>
public sealed record KubeconfigAuthProvider
{
    /// <summary><c>name</c>.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary><c>config</c>, or <c>null</c> when absent.</summary>
    public IReadOnlyDictionary<string, string>? Config { get; init; }
}

/// <summary>A <c>users[]</c> entry (client-go's AuthInfo).</summary>
public sealed record KubeconfigUser : KubeconfigEntry
{
    /// <summary><c>client-certificate</c>: a file path.</summary>
    public string? ClientCertificate { get; init; }

    /// <summary><c>client-certificate-data</c>: PEM bytes.</summary>
    public byte[]? ClientCertificateData { get; init; }

    /// <summary><c>client-key</c>: a file path.</summary>
    public string? ClientKey { get; init; }

    /// <summary><c>client-key-data</c>: PEM bytes.</summary>
    public byte[]? ClientKeyData { get; init; }

    /// <summary><c>token</c>.</summary>
    public string? Token { get; init; }

    /// <summary><c>tokenFile</c>: a file path, re-read when the token may have rotated.</summary>
    public string? TokenFile { get; init; }

    /// <summary><c>as</c>: the user to impersonate.</summary>
    public string? Impersonate { get; init; }

    /// <summary><c>as-uid</c>.</summary>
    public string? ImpersonateUid { get; init; }

    /// <summary><c>as-groups</c>.</summary>
    public IReadOnlyList<string>? ImpersonateGroups { get; init; }

    /// <summary><c>as-user-extra</c>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? ImpersonateUserExtra { get; init; }

    /// <summary><c>username</c> (basic auth).</summary>
    public string? Username { get; init; }

    /// <summary><c>password</c> (basic auth).</summary>
    public string? Password { get; init; }

    /// <summary><c>auth-provider</c>.</summary>
    public KubeconfigAuthProvider? AuthProvider { get; init; }

    /// <summary><c>exec</c>.</summary>
    public KubeconfigExec? Exec { get; init; }

    /// <summary>The record's printer, with the token and password redacted.</summary>
    protected override bool PrintMembers(StringBuilder builder)
    {
        var any = base.PrintMembers(builder);
        RecordPrinter.Member(builder, ref any, nameof(ClientCertificate), ClientCertificate);
        RecordPrinter.Member(builder, ref any, nameof(ClientCertificateData), ClientCertificateData);
        RecordPrinter.Member(builder, ref any, nameof(ClientKey), ClientKey);
        RecordPrinter.Member(builder, ref any, nameof(ClientKeyData), ClientKeyData is null ? null : KubeRedaction.Redacted);
        RecordPrinter.Member(builder, ref any, nameof(Token), KubeRedaction.Secret(Token));
        RecordPrinter.Member(builder, ref any, nameof(TokenFile), TokenFile);
        RecordPrinter.Member(builder, ref any, nameof(Impersonate), Impersonate);
        RecordPrinter.Member(builder, ref any, nameof(ImpersonateUid), ImpersonateUid);
        RecordPrinter.Member(builder, ref any, nameof(ImpersonateGroups), ImpersonateGroups);
        RecordPrinter.Member(builder, ref any, nameof(ImpersonateUserExtra), ImpersonateUserExtra);
        RecordPrinter.Member(builder, ref any, nameof(Username), Username);
        RecordPrinter.Member(builder, ref any, nameof(Password), KubeRedaction.Secret(Password));
        RecordPrinter.Member(builder, ref any, nameof(AuthProvider), AuthProvider);
        RecordPrinter.Member(builder, ref any, nameof(Exec), Exec);
        return true;
    }
}

/// <summary>A <c>contexts[]</c> entry.</summary>
public sealed record KubeconfigContext : KubeconfigEntry
{
    /// <summary><c>cluster</c>.</summary>
    public string? Cluster { get; init; }

    /// <summary><c>user</c>.</summary>
    public string? User { get; init; }

    /// <summary><c>namespace</c>.</summary>
    public string? Namespace { get; init; }
}

/// <summary><c>preferences</c>.</summary>
public sealed record KubeconfigPreferences
{
    /// <summary><c>colors</c>.</summary>
    public bool Colors { get; init; }

    /// <summary><c>extensions</c>.</summary>
    public IReadOnlyList<KubeconfigExtension> Extensions { get; init; } = [];

    /// <summary>Fields this library does not know.</summary>
    public IReadOnlyList<KeyValuePair<string, KubeconfigNode>> UnknownFields { get; init; } = [];
}
