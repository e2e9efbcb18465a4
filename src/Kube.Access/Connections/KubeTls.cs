using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kube.Access;

/// <summary>TLS helpers of the connection layer: CA bundles, client certificates, server certificate checks.</summary>
internal static class KubeTls
{
    /// <summary>Parses every certificate of a PEM bundle.</summary>
    public static X509Certificate2Collection ParseCertificateAuthorities(string pem)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new KubeTlsConfigurationException($"The certificate authority is not valid PEM: {e.Message}", "certificate-authority-data", e);
        }

        if (collection.Count == 0)
        {
            throw new KubeTlsConfigurationException("The certificate authority holds no PEM certificate.", "certificate-authority-data");
        }

        return collection;
    }

    /// <summary>Loads a client certificate with its RSA or EC private key (PKCS#1, PKCS#8 or SEC1 PEM).</summary>
    public static X509Certificate2 LoadClientCertificate(string certificatePem, string keyPem)
    {
        X509Certificate2 ephemeral;
        try
        {
            ephemeral = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (CryptographicException e)
        {
            var field = certificatePem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) ? "client-key-data" : "client-certificate-data";
            throw new KubeTlsConfigurationException($"The client certificate and key could not be loaded ({field}): {e.Message}", field, e);
        }
        catch (ArgumentException e)
        {
            throw new KubeTlsConfigurationException($"The client certificate and key could not be loaded: {e.Message}", "client-key-data", e);
        }

        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        using (ephemeral)
        {
            var pfx = ephemeral.Export(X509ContentType.Pkcs12);
#if NET9_0_OR_GREATER
            return X509CertificateLoader.LoadPkcs12(pfx, null);
#else
            return new X509Certificate2(pfx);
#endif
        }
    }

    /// <summary>
    /// Checks a server certificate the way client-go does: with a CA given, the chain must build
    /// to one of those CAs alone (the system store is ignored); without one, the platform's verdict
    /// stands. The name checked is <paramref name="expectedName"/> (the tls-server-name or the
    /// URL host), against subject alternative names only.
    /// </summary>
    public static bool ValidateServerCertificate(
        X509Certificate? certificate,
        X509Chain? platformChain,
        SslPolicyErrors errors,
        X509Certificate2Collection? trustedAuthorities,
        string expectedName,
        out string? failure)
    {
        if (certificate is null)
        {
            failure = "the server sent no certificate";
            return false;
        }

        var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        if (trustedAuthorities is null)
        {
            if ((errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) != SslPolicyErrors.None)
            {
                failure = $"the server certificate is not trusted by the system store ({errors})";
                return false;
            }
        }
        else
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(trustedAuthorities);
            if (platformChain is not null)
            {
                // Intermediates the server sent.
                chain.ChainPolicy.ExtraStore.AddRange(platformChain.ChainPolicy.ExtraStore);
                foreach (var element in platformChain.ChainElements)
                {
                    if (!element.Certificate.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
                    {
                        chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                    }
                }
            }

            if (!chain.Build(leaf))
            {
                var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
                failure = $"the server certificate '{leaf.Subject}' does not chain to the configured certificate authority ({status})";
                return false;
            }
        }

        var name = expectedName.Trim('[', ']');
        if (!leaf.MatchesHostname(name, allowWildcards: true, allowCommonName: false))
        {
            failure = $"the server certificate '{leaf.Subject}' is not valid for '{name}'";
            return false;
        }

        failure = null;
        return true;
    }
}
