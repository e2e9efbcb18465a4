namespace Kube.Access;

/// <summary>
/// Settings laid over whatever endpoint is resolved (kubeconfig, in-cluster), as kubectl's global flags
/// (<c>--server</c>, <c>--certificate-authority</c>, <c>--insecure-skip-tls-verify</c>, <c>--tls-server-name</c>,
/// <c>--token</c>) are laid over the kubeconfig by client-go's <c>ConfigOverrides</c>: what is not overridden
/// (the CA, the user's credentials) still comes from the kubeconfig.
/// </summary>
public sealed record KubeEndpointOverrides
{
    /// <summary>The API server URL to use instead of the cluster's (<c>--server</c>).</summary>
    public Uri? Server { get; init; }

    /// <summary>PEM certificate authority to trust instead of the cluster's (<c>--certificate-authority</c>).</summary>
    public string? CertificateAuthorityPem { get; init; }

    /// <summary>Skip server certificate checks (<c>--insecure-skip-tls-verify</c>).</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The name to check the server certificate against and send as SNI (<c>--tls-server-name</c>).</summary>
    public string? TlsServerName { get; init; }

    /// <summary>A bearer token to use instead of the user's credentials (<c>--token</c>).</summary>
    public string? Token { get; init; }

    // The record's printer, with the token redacted.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Server = {Server}, CertificateAuthorityPem = {CertificateAuthorityPem}, InsecureSkipTlsVerify = {InsecureSkipTlsVerify}, ");
        builder.Append($"TlsServerName = {TlsServerName}, Token = {KubeRedaction.Secret(Token)}, IsEmpty = {IsEmpty}");
        return true;
    }

    /// <summary>True when nothing is overridden.</summary>
    public bool IsEmpty =>
        Server is null && string.IsNullOrEmpty(CertificateAuthorityPem) && !InsecureSkipTlsVerify
        && string.IsNullOrEmpty(TlsServerName) && string.IsNullOrEmpty(Token);

    /// <summary>
    /// <paramref name="endpoint"/> with these overrides applied by client-go's rules: a given CA or
    /// <c>--insecure-skip-tls-verify</c> replaces both of the cluster's settings (so the flag alone drops the
    /// kubeconfig's CA instead of being refused beside it); a token replaces the credential source (a client
    /// certificate stays); and a plain <c>http://</c> server gets no credentials, as kubectl sends none there.
    /// </summary>
    /// <param name="endpoint">The resolved endpoint.</param>
    public KubeEndpoint ApplyTo(KubeEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (IsEmpty)
        {
            return endpoint;
        }

        var tls = endpoint.Tls;
        if (InsecureSkipTlsVerify || !string.IsNullOrEmpty(CertificateAuthorityPem))
        {
            tls = tls with { InsecureSkipTlsVerify = InsecureSkipTlsVerify, CertificateAuthorityPem = string.IsNullOrEmpty(CertificateAuthorityPem) ? null : CertificateAuthorityPem };
        }

        if (!string.IsNullOrEmpty(TlsServerName))
        {
            tls = tls with { TlsServerName = TlsServerName };
        }

        var result = endpoint with
        {
            Server = Server ?? endpoint.Server,
            Tls = tls,
            Credentials = string.IsNullOrEmpty(Token) ? endpoint.Credentials : new StaticCredentialSource(KubeCredential.FromToken(Token)),
            Source = endpoint.Source is null ? "overrides" : endpoint.Source + " with overrides",
        };

        return result.Server.Scheme == Uri.UriSchemeHttp
            ? result with { Credentials = AnonymousCredentialSource.Instance, Tls = result.Tls with { ClientCertificatePem = null, ClientKeyPem = null } }
            : result;
    }
}
