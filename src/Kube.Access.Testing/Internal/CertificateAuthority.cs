using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kube.Access.Testing.Internal;

/// <summary>The emulator's CA: signs the serving certificate and client certificates, and checks client certificates.</summary>
internal sealed class CertificateAuthority : IDisposable
{
    private readonly ECDsa _caKey;
    private readonly ConcurrentDictionary<string, EmulatorUser?> _verified = new(StringComparer.Ordinal);

    public CertificateAuthority()
    {
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kube-access-emulator-ca", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        CertificatePem = Certificate.ExportCertificatePem() + "\n";
    }

    public X509Certificate2 Certificate { get; }

    public string CertificatePem { get; }

    private X509Certificate2 Sign(CertificateRequest request, bool server)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        var notAfter = DateTimeOffset.UtcNow.AddDays(364);
        return request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), DateTimeOffset.UtcNow.AddDays(-1), notAfter, serial);
    }

    /// <summary>A serving certificate for 127.0.0.1, ::1, localhost and the in-cluster names, with its key.</summary>
    public X509Certificate2 CreateServingCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kube-apiserver", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        san.AddIpAddress(IPAddress.Parse("10.96.0.1"));
        san.AddDnsName("localhost");
        san.AddDnsName("kubernetes");
        san.AddDnsName("kubernetes.default");
        san.AddDnsName("kubernetes.default.svc");
        san.AddDnsName("kubernetes.default.svc.cluster.local");
        request.CertificateExtensions.Add(san.Build());
        using var cert = Sign(request, server: true);
        using var withKey = cert.CopyWithPrivateKey(key);
        var pfx = withKey.Export(X509ContentType.Pkcs12);
#if NET9_0_OR_GREATER
        return X509CertificateLoader.LoadPkcs12(pfx, null);
#else
        return new X509Certificate2(pfx);
#endif
    }

    /// <summary>A client certificate (CN = user, O = groups) and its private key, as PEM.</summary>
    public (string CertificatePem, string KeyPem) CreateClientCertificate(string user, IEnumerable<string> groups, bool ec)
    {
        var dn = new X500DistinguishedNameBuilder();
        foreach (var g in groups)
        {
            dn.AddOrganizationName(g);
        }
        dn.AddCommonName(user);
        var subject = dn.Build();
        if (ec)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            using var cert = Sign(request, server: false);
            return (cert.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
        }
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var cert = Sign(request, server: false);
            return (cert.ExportCertificatePem() + "\n", rsa.ExportPkcs8PrivateKeyPem() + "\n");
        }
    }

    /// <summary>The user a client certificate authenticates, or null when it was not issued by this CA (or expired).</summary>
    public EmulatorUser? Verify(X509Certificate2 cert)
    {
        return _verified.GetOrAdd(cert.Thumbprint, _ =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Certificate);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
            if (!chain.Build(cert))
            {
                return null;
            }
            string? cn = null;
            var groups = new List<string>();
            foreach (var rdn in cert.SubjectName.EnumerateRelativeDistinguishedNames())
            {
                var oid = rdn.GetSingleElementType().Value;
                var value = rdn.GetSingleElementValue();
                if (value is null)
                {
                    continue;
                }
                if (oid == "2.5.4.3")
                {
                    cn = value;
                }
                else if (oid == "2.5.4.10")
                {
                    groups.Add(value);
                }
            }
            if (string.IsNullOrEmpty(cn))
            {
                return null;
            }
            groups.Add("system:authenticated");
            return new EmulatorUser(cn, groups);
        });
    }

    public void Dispose()
    {
        _caKey.Dispose();
        Certificate.Dispose();
    }
}

/// <summary>An authenticated user.</summary>
internal sealed record EmulatorUser(string Name, IReadOnlyList<string> Groups);
