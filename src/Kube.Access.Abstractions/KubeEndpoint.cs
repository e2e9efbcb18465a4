using System.Text;

namespace Kube.Access;

/// <summary>
/// Everything needed to reach one Kubernetes API server: its URL, how to trust it, how to
/// authenticate, and where the settings came from. Produced by the kubeconfig loader and by the
/// in-cluster configuration; consumed by the connection layer.
/// </summary>
public sealed record KubeEndpoint
{
    /// <summary>The API server's base URL, for example <c>https://203.0.113.10:6443</c>.</summary>
    public required Uri Server { get; init; }

    /// <summary>How the server's certificate is checked and which client certificate is offered.</summary>
    public KubeTlsSettings Tls { get; init; } = new();

    /// <summary>Where credentials come from; asked before each request and after a 401.</summary>
    public IKubeCredentialSource Credentials { get; init; } = AnonymousCredentialSource.Instance;

    /// <summary>An HTTP(S) or SOCKS5 proxy to reach the server through (kubeconfig <c>proxy-url</c>).</summary>
    public Uri? ProxyUrl { get; init; }

    /// <summary>Impersonation headers to send (<c>as</c>, <c>as-groups</c>, <c>as-user-extra</c>, <c>as-uid</c>).</summary>
    public KubeImpersonation? Impersonation { get; init; }

    /// <summary>The default namespace of this endpoint (context namespace or the pod's namespace).</summary>
    public string? Namespace { get; init; }

    /// <summary>The kubeconfig context this endpoint was built from, if any.</summary>
    public string? ContextName { get; init; }

    /// <summary>The kubeconfig cluster name this endpoint was built from, if any.</summary>
    public string? ClusterName { get; init; }

    /// <summary>The kubeconfig user (AuthInfo) name this endpoint was built from, if any.</summary>
    public string? UserName { get; init; }

    /// <summary>Where the settings came from, for messages (for example <c>kubeconfig /home/u/.kube/config</c> or <c>in-cluster</c>).</summary>
    public string? Source { get; init; }

    // The record's printer, with the proxy URL's password redacted (the TLS settings redact their key).
    private bool PrintMembers(StringBuilder builder)
    {
        var any = false;
        KubeRedaction.Member(builder, ref any, nameof(Server), Server);
        KubeRedaction.Member(builder, ref any, nameof(Tls), Tls);
        KubeRedaction.Member(builder, ref any, nameof(Credentials), Credentials);
        KubeRedaction.Member(builder, ref any, nameof(ProxyUrl), KubeRedaction.Url(ProxyUrl));
        KubeRedaction.Member(builder, ref any, nameof(Impersonation), Impersonation);
        KubeRedaction.Member(builder, ref any, nameof(Namespace), Namespace);
        KubeRedaction.Member(builder, ref any, nameof(ContextName), ContextName);
        KubeRedaction.Member(builder, ref any, nameof(ClusterName), ClusterName);
        KubeRedaction.Member(builder, ref any, nameof(UserName), UserName);
        KubeRedaction.Member(builder, ref any, nameof(Source), Source);
        return true;
    }
}

/// <summary>TLS settings of a <see cref="KubeEndpoint"/>.</summary>
public sealed record KubeTlsSettings
{
    /// <summary>PEM text of the CA bundle to trust instead of the system store; <c>null</c> uses the system store.</summary>
    public string? CertificateAuthorityPem { get; init; }

    /// <summary>Skip server certificate verification (kubeconfig <c>insecure-skip-tls-verify</c>). Dangerous.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The name to check the server certificate against instead of the URL's host (<c>tls-server-name</c>).</summary>
    public string? TlsServerName { get; init; }

    /// <summary>PEM text of a client certificate (chain) for client-certificate authentication.</summary>
    public string? ClientCertificatePem { get; init; }

    /// <summary>PEM text of the client certificate's private key (RSA or EC; PKCS#1, PKCS#8 or SEC1).</summary>
    public string? ClientKeyPem { get; init; }

    // The record's printer, with the private key redacted and the PEM texts shown by presence only.
    private bool PrintMembers(StringBuilder builder)
    {
        var any = false;
        KubeRedaction.Member(builder, ref any, nameof(CertificateAuthorityPem), CertificateAuthorityPem is null ? null : "PEM");
        KubeRedaction.Member(builder, ref any, nameof(InsecureSkipTlsVerify), InsecureSkipTlsVerify);
        KubeRedaction.Member(builder, ref any, nameof(TlsServerName), TlsServerName);
        KubeRedaction.Member(builder, ref any, nameof(ClientCertificatePem), ClientCertificatePem is null ? null : "PEM");
        KubeRedaction.Member(builder, ref any, nameof(ClientKeyPem), KubeRedaction.Secret(ClientKeyPem));
        return true;
    }
}

/// <summary>Impersonation settings (kubectl <c>--as</c>, <c>--as-group</c>, <c>--as-uid</c>, user extras).</summary>
/// <param name="UserName">The user to act as.</param>
/// <param name="Uid">The UID to act as.</param>
/// <param name="Groups">Groups to act as.</param>
/// <param name="Extra">Extra fields, one header per value.</param>
public sealed record KubeImpersonation(
    string? UserName,
    string? Uid = null,
    IReadOnlyList<string>? Groups = null,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra = null);
