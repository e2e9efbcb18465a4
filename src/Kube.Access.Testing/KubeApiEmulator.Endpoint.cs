using System.Security.Cryptography;

namespace Kube.Access.Testing;

public sealed partial class KubeApiEmulator
{
    /// <summary>
    /// The <see cref="KubeEndpoint"/> that reaches this emulator, for a connection without a kubeconfig file:
    /// its <see cref="Url"/>, its CA (<see cref="CertificateAuthorityPem"/>) when it serves HTTPS, and the
    /// credentials of <paramref name="auth"/> (the same identities <see cref="WriteKubeconfig"/> writes).
    /// </summary>
    /// <param name="auth">
    /// How the endpoint authenticates: <see cref="EmulatorAuth.Token"/> (default) sends <see cref="DefaultToken"/>,
    /// <see cref="EmulatorAuth.TokenFile"/> reads <see cref="TokenFile"/>, <see cref="EmulatorAuth.Basic"/> the
    /// kubeconfig's basic-auth user, <see cref="EmulatorAuth.ClientCertificate"/> an admin client certificate
    /// (HTTPS only), <see cref="EmulatorAuth.None"/> nothing.
    /// </param>
    /// <param name="namespace">The endpoint's default namespace (default <c>default</c>; <c>null</c> for none).</param>
    /// <returns>The endpoint; its <see cref="KubeEndpoint.Source"/> names the emulator.</returns>
    /// <exception cref="KubeApiEmulatorException">Client certificates were asked of a plain-HTTP emulator, or <paramref name="auth"/> is unknown.</exception>
    public KubeEndpoint CreateEndpoint(EmulatorAuth auth = EmulatorAuth.Token, string? @namespace = "default")
    {
        var tls = new KubeTlsSettings { CertificateAuthorityPem = CertificateAuthorityPem };
        IKubeCredentialSource credentials = AnonymousCredentialSource.Instance;
        switch (auth)
        {
            case EmulatorAuth.Token:
                credentials = new StaticCredentialSource(KubeCredential.FromToken(DefaultToken));
                break;
            case EmulatorAuth.TokenFile:
                credentials = new TokenFileCredentialSource(TokenFile);
                break;
            case EmulatorAuth.Basic:
                var (user, password) = KubeconfigBasicUser();
                credentials = new StaticCredentialSource(KubeCredential.FromBasic(user, password));
                break;
            case EmulatorAuth.ClientCertificate:
                var (certificate, key) = AdminClientCertificate();
                tls = tls with { ClientCertificatePem = certificate, ClientKeyPem = key };
                break;
            case EmulatorAuth.None:
                break;
            default:
                throw new KubeApiEmulatorException($"Unknown EmulatorAuth value {(int)auth}.");
        }

        return new KubeEndpoint
        {
            Server = Url,
            Tls = tls,
            Credentials = credentials,
            Namespace = @namespace,
            Source = $"Kube.Access.Testing emulator at {Url}",
        };
    }

    /// <summary>The admin client certificate (user <c>kube-access-admin</c>, group <c>system:masters</c>), issued once.</summary>
    private (string Cert, string Key) AdminClientCertificate()
    {
        if (_ca is null)
        {
            throw new KubeApiEmulatorException("EmulatorAuth.ClientCertificate needs an HTTPS emulator (KubeApiEmulatorOptions.Https = true).");
        }

        return _adminClientCert ??= _ca.CreateClientCertificate(AdminUser, ["system:masters"], ec: false);
    }

    /// <summary>The basic-auth user <c>admin</c> with a random password, added once.</summary>
    private (string User, string Password) KubeconfigBasicUser()
    {
        if (_kubeconfigBasicUser is null)
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
            AddBasicUser("admin", password);
            _kubeconfigBasicUser = ("admin", password);
        }

        return _kubeconfigBasicUser.Value;
    }
}
