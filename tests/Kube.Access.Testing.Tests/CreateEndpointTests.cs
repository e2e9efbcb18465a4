using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FluentAssertions;
using Xunit;

namespace Kube.Access.Testing.Tests;

/// <summary>
/// <see cref="KubeApiEmulator.CreateEndpoint"/> describes a way in that the emulator accepts: each endpoint is used
/// here with a plain <see cref="HttpClient"/> (no Kube.Access client code), and the emulator names the user it saw.
/// </summary>
public sealed class CreateEndpointTests
{
    [Theory]
    [InlineData(EmulatorAuth.Token, "kube-access-admin")]
    [InlineData(EmulatorAuth.TokenFile, "token-file-user")]
    [InlineData(EmulatorAuth.Basic, "admin")]
    [InlineData(EmulatorAuth.ClientCertificate, "kube-access-admin")]
    public async Task An_https_endpoint_trusts_the_emulators_ca_and_authenticates_as_the_chosen_user(EmulatorAuth auth, string user)
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = true });
        var endpoint = api.CreateEndpoint(auth);

        endpoint.Server.Should().Be(api.Url);
        endpoint.Namespace.Should().Be("default");
        endpoint.Tls.CertificateAuthorityPem.Should().Be(api.CertificateAuthorityPem);
        var status = await GetNamespaceAsync(endpoint);

        status.Should().Be(HttpStatusCode.OK);
        api.Requests.Last(r => r.PathAndQuery == "/api/v1/namespaces/default").User.Should().Be(user);
    }

    [Fact]
    public async Task An_https_endpoint_without_credentials_is_refused_as_anonymous()
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = true });

        var status = await GetNamespaceAsync(api.CreateEndpoint(EmulatorAuth.None));

        status.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_plain_http_endpoint_has_no_ca_refuses_client_certificates_and_keeps_the_namespace_asked_for()
    {
        await using var api = await KubeApiEmulator.StartAsync();

        var endpoint = api.CreateEndpoint(@namespace: "kube-system");

        endpoint.Server.Scheme.Should().Be("http");
        endpoint.Tls.CertificateAuthorityPem.Should().BeNull();
        endpoint.Namespace.Should().Be("kube-system");
        (await GetNamespaceAsync(endpoint)).Should().Be(HttpStatusCode.OK);
        api.Requests.Last(r => r.PathAndQuery == "/api/v1/namespaces/default").User.Should().Be("kube-access-admin");
        var clientCertificate = () => api.CreateEndpoint(EmulatorAuth.ClientCertificate);
        clientCertificate.Should().Throw<KubeApiEmulatorException>().WithMessage("*HTTPS*");
    }

    private static async Task<HttpStatusCode> GetNamespaceAsync(KubeEndpoint endpoint)
    {
        using var handler = new HttpClientHandler();
        if (endpoint.Tls.CertificateAuthorityPem is { } caPem)
        {
            var ca = X509Certificate2.CreateFromPem(caPem);
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            };
        }

        if (endpoint.Tls.ClientCertificatePem is { } certificatePem)
        {
            using var pem = X509Certificate2.CreateFromPem(certificatePem, endpoint.Tls.ClientKeyPem);
            handler.ClientCertificates.Add(X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null));
        }

        using var http = new HttpClient(handler) { BaseAddress = endpoint.Server, Timeout = TimeSpan.FromMinutes(2) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces/default");
        var credential = await endpoint.Credentials.GetCredentialAsync(CancellationToken.None);
        if (credential.BearerToken is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (credential.Username is { } username)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{credential.Password}")));
        }

        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
