using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using k8s;
using Xunit;

namespace Kube.Access.Tests.Connections;

public sealed class TlsTests : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly TestPki _pki = new();
    private readonly TestPki _otherPki = new("other-ca");

    public void Dispose()
    {
        _pki.Dispose();
        _otherPki.Dispose();
    }

    [Fact]
    public void A_certificate_chaining_to_the_configured_ca_and_matching_the_ip_is_accepted()
    {
        using var server = _pki.IssueServer(["kubernetes.default.svc"], [IPAddress.Loopback]);
        var ok = KubeTls.ValidateServerCertificate(server, null, SslPolicyErrors.RemoteCertificateChainErrors, KubeTls.ParseCertificateAuthorities(_pki.AuthorityPem), "127.0.0.1", out var failure);
        ok.Should().BeTrue(failure);
    }

    [Fact]
    public void A_certificate_from_another_ca_is_refused_with_a_reason()
    {
        using var server = _otherPki.IssueServer([], [IPAddress.Loopback]);
        var ok = KubeTls.ValidateServerCertificate(server, null, SslPolicyErrors.None, KubeTls.ParseCertificateAuthorities(_pki.AuthorityPem), "127.0.0.1", out var failure);
        ok.Should().BeFalse();
        failure.Should().Contain("does not chain to the configured certificate authority");
    }

    [Fact]
    public void The_name_is_checked_against_sans_and_tls_server_name()
    {
        using var server = _pki.IssueServer(["kubernetes.default.svc"], [IPAddress.Loopback]);
        var cas = KubeTls.ParseCertificateAuthorities(_pki.AuthorityPem);
        KubeTls.ValidateServerCertificate(server, null, SslPolicyErrors.None, cas, "kubernetes.default.svc", out _).Should().BeTrue();
        KubeTls.ValidateServerCertificate(server, null, SslPolicyErrors.None, cas, "evil.example", out var failure).Should().BeFalse();
        failure.Should().Contain("not valid for 'evil.example'");
        KubeTls.ValidateServerCertificate(server, null, SslPolicyErrors.None, cas, "198.51.100.7", out _).Should().BeFalse();
    }

    [Fact]
    public void Without_a_ca_the_platform_verdict_stands()
    {
        using var server = _pki.IssueServer([], [IPAddress.Loopback]);
        KubeTls.ValidateServerCertificate(server, null, SslPolicyErrors.RemoteCertificateChainErrors, null, "127.0.0.1", out var failure).Should().BeFalse();
        failure.Should().Contain("system store");
    }

    [Fact]
    public void Bad_ca_pem_is_a_typed_error_naming_the_field()
    {
        var act = () => KubeTls.ParseCertificateAuthorities("not a pem");
        act.Should().Throw<KubeTlsConfigurationException>().Which.Field.Should().Be("certificate-authority-data");
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Client_certificates_load_from_rsa_and_ec_pem(bool ec, bool pkcs8)
    {
        var (cert, key) = _pki.IssueClient("alice", ["system:masters"], ec, pkcs8);
        using var loaded = KubeTls.LoadClientCertificate(cert, key);
        loaded.HasPrivateKey.Should().BeTrue();
        loaded.GetNameInfo(X509NameType.SimpleName, false).Should().Be("alice");
    }

    [Fact]
    public void A_key_that_does_not_match_the_certificate_is_a_typed_error()
    {
        var (cert, _) = _pki.IssueClient("alice", [], ec: false);
        var (_, otherKey) = _pki.IssueClient("bob", [], ec: false);
        var act = () => KubeTls.LoadClientCertificate(cert, otherKey);
        act.Should().Throw<KubeTlsConfigurationException>();
    }

    [Fact]
    public async Task Over_loopback_the_right_ca_connects_a_wrong_ca_is_refused_and_insecure_connects_only_when_set()
    {
        using var serverCert = _pki.IssueServer(["kubernetes.default.svc"], [IPAddress.Loopback]);
        await using var server = await LoopbackApiServer.StartAsync(serverCert, anonymous: true);

        await using (var good = new KubeConnection(new KubeEndpoint { Server = server.Url, Tls = new() { CertificateAuthorityPem = _pki.AuthorityPem } }))
        {
            (await new KubeDiscovery(good).GetVersionAsync(Ct)).GitVersion.Should().Be("v1.32.4-loopback");
        }

        await using (var wrong = new KubeConnection(new KubeEndpoint { Server = server.Url, Tls = new() { CertificateAuthorityPem = _otherPki.AuthorityPem } }))
        {
            var act = async () => await new KubeDiscovery(wrong).GetVersionAsync(Ct);
            (await act.Should().ThrowAsync<KubeConnectionException>()).Which.Message.Should().Contain("TLS").And.Contain(server.Url.Authority);
        }

        await using (var systemStore = new KubeConnection(new KubeEndpoint { Server = server.Url }))
        {
            var act = async () => await new KubeDiscovery(systemStore).GetVersionAsync(Ct);
            await act.Should().ThrowAsync<KubeConnectionException>();
        }

        await using (var insecure = new KubeConnection(new KubeEndpoint { Server = server.Url, Tls = new() { InsecureSkipTlsVerify = true } }))
        {
            (await new KubeDiscovery(insecure).GetVersionAsync(Ct)).GitVersion.Should().Be("v1.32.4-loopback");
        }
    }

    [Fact]
    public void A_certificate_authority_together_with_insecure_skip_tls_verify_is_refused_as_client_go_refuses_it()
    {
        var both = new KubeEndpoint
        {
            Server = new Uri("https://127.0.0.1:6443"),
            Tls = new() { CertificateAuthorityPem = _pki.AuthorityPem, InsecureSkipTlsVerify = true },
            Source = "kubeconfig /tmp/x",
        };

        var act = () => new KubeConnection(both);

        act.Should().Throw<KubeTlsConfigurationException>()
            .Where(e => e.Field == "insecure-skip-tls-verify" && e.Message.Contains("specifying a root certificates file with the insecure flag is not allowed") && e.Message.Contains("/tmp/x"));
        var plainHttp = () => new KubeConnection(both with { Server = new Uri("http://127.0.0.1:8080") });
        plainHttp.Should().NotThrow("without TLS neither setting is used, and kubectl accepts it too");
    }

    [Fact]
    public async Task Tls_server_name_is_what_the_certificate_is_checked_against()
    {
        // The certificate names only kubernetes.default.svc, not 127.0.0.1.
        using var serverCert = _pki.IssueServer(["kubernetes.default.svc"], []);
        await using var server = await LoopbackApiServer.StartAsync(serverCert, anonymous: true);

        await using (var byIp = new KubeConnection(new KubeEndpoint { Server = server.Url, Tls = new() { CertificateAuthorityPem = _pki.AuthorityPem } }))
        {
            var act = async () => await new KubeDiscovery(byIp).GetVersionAsync(Ct);
            (await act.Should().ThrowAsync<KubeConnectionException>()).Which.Message.Should().Contain("not valid for '127.0.0.1'");
        }

        await using var byName = new KubeConnection(new KubeEndpoint
        {
            Server = server.Url,
            Tls = new() { CertificateAuthorityPem = _pki.AuthorityPem, TlsServerName = "kubernetes.default.svc" },
        });
        (await new KubeDiscovery(byName).GetVersionAsync(Ct)).GitVersion.Should().Be("v1.32.4-loopback");
    }

    [Fact]
    public async Task Tls_server_name_is_sent_as_sni_for_rest_over_http2_and_for_websockets()
    {
        // client-go puts tls-server-name in tls.Config.ServerName: it is the name in the ClientHello, not only
        // the name checked. Connecting by IP address would otherwise send no SNI at all.
        using var serverCert = _pki.IssueServer(["kubernetes.default.svc"], []);
        await using var server = await LoopbackApiServer.StartAsync(serverCert, anonymous: true);
        await using var connection = new KubeConnection(new KubeEndpoint
        {
            Server = server.Url,
            Tls = new() { CertificateAuthorityPem = _pki.AuthorityPem, TlsServerName = "kubernetes.default.svc" },
        });

        (await new KubeDiscovery(connection).GetVersionAsync(Ct)).GitVersion.Should().Be("v1.32.4-loopback");
        using (var socket = await connection.ConnectWebSocketAsync("api/v1/namespaces/default/pods/p/portforward?ports=80", ["portforward.k8s.io"], Ct))
        {
            await socket.SendAsync("ping"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Binary, true, Ct);
            var buffer = new byte[16];
            var echoed = await socket.ReceiveAsync(buffer.AsMemory(), Ct);
            buffer.AsSpan(0, echoed.Count).ToArray().Should().Equal("ping"u8.ToArray());
        }

        server.ServerNames.Should().HaveCountGreaterThanOrEqualTo(2).And.OnlyContain(n => n == "kubernetes.default.svc");
        server.Requests.Select(r => r.Protocol).Should().Contain("HTTP/2", "REST still negotiates HTTP/2 through ALPN").And.Contain("HTTP/1.1");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_certificate_is_presented(bool ec)
    {
        using var serverCert = _pki.IssueServer([], [IPAddress.Loopback]);
        await using var server = await LoopbackApiServer.StartAsync(serverCert);
        var (cert, key) = _pki.IssueClient("alice", ["system:masters"], ec);
        await using var connection = new KubeConnection(new KubeEndpoint
        {
            Server = server.Url,
            Tls = new() { CertificateAuthorityPem = _pki.AuthorityPem, ClientCertificatePem = cert, ClientKeyPem = key },
        });

        (await new KubeDiscovery(connection).GetVersionAsync(Ct)).GitVersion.Should().NotBeNull();
        server.Requests.Should().ContainSingle().Which.ClientCertificateSubject.Should().Contain("CN=alice");
    }

    [Fact]
    public async Task Http2_is_used_where_the_server_offers_it()
    {
        using var serverCert = _pki.IssueServer([], [IPAddress.Loopback]);
        await using var server = await LoopbackApiServer.StartAsync(serverCert, anonymous: true);
        await using var connection = new KubeConnection(new KubeEndpoint { Server = server.Url, Tls = new() { CertificateAuthorityPem = _pki.AuthorityPem } });
        await new KubeDiscovery(connection).GetVersionAsync(Ct);
        await connection.Client.CoreV1.GetAPIResourcesAsync(cancellationToken: Ct);
        server.Requests.Select(r => r.Protocol).Should().AllBe("HTTP/2");
    }
}
