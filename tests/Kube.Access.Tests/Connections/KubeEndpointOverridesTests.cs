using FluentAssertions;
using Xunit;

namespace Kube.Access.Tests.Connections;

/// <summary><see cref="KubeEndpointOverrides"/> follows client-go's ConfigOverrides rules (kubectl's global flags).</summary>
public sealed class KubeEndpointOverridesTests
{
    private static readonly KubeEndpoint FromKubeconfig = new()
    {
        Server = new Uri("https://cluster.example:6443"),
        Tls = new KubeTlsSettings { CertificateAuthorityPem = "CA", TlsServerName = "kubernetes", ClientCertificatePem = "CERT", ClientKeyPem = "KEY" },
        Credentials = new StaticCredentialSource(KubeCredential.FromToken("kubeconfig-token")),
        Namespace = "team-a",
        Source = "kubeconfig /home/u/.kube/config",
    };

    [Fact]
    public async Task A_server_override_keeps_the_kubeconfigs_ca_and_credentials()
    {
        var result = new KubeEndpointOverrides { Server = new Uri("https://other.example:6443") }.ApplyTo(FromKubeconfig);

        result.Server.Should().Be(new Uri("https://other.example:6443"));
        result.Tls.Should().Be(FromKubeconfig.Tls);
        (await result.Credentials.GetCredentialAsync(default)).BearerToken.Should().Be("kubeconfig-token");
        result.Namespace.Should().Be("team-a");
        result.Source.Should().Be("kubeconfig /home/u/.kube/config with overrides");
    }

    [Fact]
    public void Insecure_alone_drops_the_kubeconfigs_ca_and_a_ca_alone_clears_insecure()
    {
        var insecure = new KubeEndpointOverrides { InsecureSkipTlsVerify = true }.ApplyTo(FromKubeconfig);
        var ca = new KubeEndpointOverrides { CertificateAuthorityPem = "OTHER" }.ApplyTo(FromKubeconfig with { Tls = FromKubeconfig.Tls with { InsecureSkipTlsVerify = true, CertificateAuthorityPem = null } });

        insecure.Tls.InsecureSkipTlsVerify.Should().BeTrue();
        insecure.Tls.CertificateAuthorityPem.Should().BeNull();
        ca.Tls.InsecureSkipTlsVerify.Should().BeFalse();
        ca.Tls.CertificateAuthorityPem.Should().Be("OTHER");
    }

    [Fact]
    public async Task A_token_replaces_the_credentials_and_keeps_the_client_certificate()
    {
        var result = new KubeEndpointOverrides { Token = "flag-token", TlsServerName = "api.internal" }.ApplyTo(FromKubeconfig);

        (await result.Credentials.GetCredentialAsync(default)).BearerToken.Should().Be("flag-token");
        result.Tls.ClientCertificatePem.Should().Be("CERT");
        result.Tls.TlsServerName.Should().Be("api.internal");
        result.Tls.CertificateAuthorityPem.Should().Be("CA");
    }

    [Fact]
    public async Task A_plain_http_server_gets_no_credentials()
    {
        var result = new KubeEndpointOverrides { Server = new Uri("http://127.0.0.1:8001"), Token = "flag-token" }.ApplyTo(FromKubeconfig);

        (await result.Credentials.GetCredentialAsync(default)).Should().Be(KubeCredential.Anonymous);
        result.Tls.ClientCertificatePem.Should().BeNull();
        result.Tls.ClientKeyPem.Should().BeNull();
    }

    [Fact]
    public void No_overrides_leave_the_endpoint_as_it_is()
    {
        new KubeEndpointOverrides().IsEmpty.Should().BeTrue();
        new KubeEndpointOverrides().ApplyTo(FromKubeconfig).Should().BeSameAs(FromKubeconfig);
    }
}
