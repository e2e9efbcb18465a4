using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Kube.Access;

/// <summary>
/// Which client certificate a TLS handshake offers: the newest one a credential supplied (an exec
/// plugin's <c>clientCertificateData</c>/<c>clientKeyData</c>), else the endpoint's configured one.
/// </summary>
/// <remarks>
/// Credentials are observed on every request, before its connection is opened, so the first handshake
/// already has the plugin's certificate. A rotated certificate is offered by every connection opened
/// after the rotation; pooled connections keep the certificate they were opened with until they close
/// (client-go likewise keeps established connections). Replaced certificates are kept until dispose,
/// because a handshake may still be using one.
/// </remarks>
internal sealed class ClientCertificateSelector : IDisposable
{
    private readonly X509Certificate2? _configured;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly List<X509Certificate2> _retired = [];
    private Current? _current;
    private bool _disposed;

    public ClientCertificateSelector(X509Certificate2? configured, ILogger logger)
    {
        _configured = configured;
        _logger = logger;
    }

    /// <summary>The certificate for a handshake (the <see cref="LocalCertificateSelectionCallback"/>).</summary>
    /// <remarks>Null (no certificate) is a valid answer; the delegate's return type is not annotated on every target framework.</remarks>
    public X509Certificate Select(object sender, string targetHost, X509CertificateCollection localCertificates, X509Certificate? remoteCertificate, string[] acceptableIssuers) =>
        (Volatile.Read(ref _current)?.Certificate ?? _configured)!;

    /// <summary>Takes note of a credential's client certificate, loading it when it is new.</summary>
    /// <exception cref="KubeTlsConfigurationException">The credential's certificate or key cannot be read.</exception>
    public void Observe(KubeCredential credential)
    {
        if (credential.ClientCertificatePem is not { Length: > 0 } certificatePem)
        {
            return;
        }

        var current = Volatile.Read(ref _current);
        if (current is not null && current.CertificatePem == certificatePem && current.KeyPem == credential.ClientKeyPem)
        {
            return;
        }

        if (credential.ClientKeyPem is not { Length: > 0 } keyPem)
        {
            throw new KubeTlsConfigurationException("The credential holds a client certificate without its private key (clientKeyData).", "clientKeyData");
        }

        var loaded = KubeTls.LoadClientCertificate(certificatePem, keyPem);
        lock (_gate)
        {
            if (_disposed)
            {
                loaded.Dispose();
                return;
            }

            if (_current is { } previous)
            {
                _retired.Add(previous.Certificate);
            }

            _current = new Current(certificatePem, keyPem, loaded);
        }

        _logger.LogDebug("Using the client certificate '{Subject}' supplied by the credential source (valid until {NotAfter:u}).", loaded.Subject, loaded.NotAfter);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _current?.Certificate.Dispose();
            _current = null;
            foreach (var certificate in _retired)
            {
                certificate.Dispose();
            }

            _retired.Clear();
        }
    }

    private sealed record Current(string CertificatePem, string KeyPem, X509Certificate2 Certificate);
}
