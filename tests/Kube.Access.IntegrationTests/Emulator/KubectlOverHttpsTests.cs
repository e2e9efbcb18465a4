using System.Text;
using FluentAssertions;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.IntegrationTests.Emulator;

/// <summary>kubectl against an HTTPS emulator: CA-verified TLS, token, client certificates, basic auth, token file.</summary>
public sealed class KubectlOverHttpsTests
{
    private static Task<EmulatorSession> StartAsync(EmulatorAuth auth = EmulatorAuth.Token, Func<EmulatorAccessRequest, bool>? authorize = null) =>
        EmulatorSession.StartAsync(EmulatorScenario.Guide, https: true, auth: auth, configure: o => o.Authorize = authorize);

    [Theory]
    [InlineData(EmulatorAuth.Token)]
    [InlineData(EmulatorAuth.ClientCertificate)]
    [InlineData(EmulatorAuth.Basic)]
    [InlineData(EmulatorAuth.TokenFile)]
    public async Task Get_pods_all_namespaces_over_https(EmulatorAuth auth)
    {
        await using var emulator = await StartAsync(auth);
        var api = emulator.Api;
        api.Url.Scheme.Should().Be("https");

        var result = await emulator.Kubectl("get", "pods", "-A", "-o", "json");
        result.ExitCode.Should().Be(0, result.Stderr);
        result.Json()["items"]!.AsArray().Should().HaveCountGreaterThan(5);
        api.Requests.Should().Contain(r => r.PathAndQuery.StartsWith("/api/v1/pods", StringComparison.Ordinal) && r.StatusCode == 200 && r.User != null && r.User != "system:anonymous");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Client_certificate_cn_is_the_user_and_o_the_groups(bool ec)
    {
        var seen = new List<EmulatorAccessRequest>();
        await using var emulator = await StartAsync(authorize: a =>
        {
            lock (seen)
            {
                seen.Add(a);
            }
            return a.Groups.Contains("viewers") && a.Verb is "get" or "list" || a.Resource.StartsWith('/');
        });
        var api = emulator.Api;
        var (cert, key) = api.CreateClientCertificate("alice", ["viewers", "dev"], ec);
        cert.Should().StartWith("-----BEGIN CERTIFICATE-----");
        key.Should().StartWith("-----BEGIN PRIVATE KEY-----");
        var kubeconfig = api.GetKubeconfig(EmulatorAuth.None)
            .Replace("  user: {}", "  user:\n    client-certificate-data: " + B64(cert) + "\n    client-key-data: " + B64(key), StringComparison.Ordinal);
        var kubectl = emulator.WriteFile("alice-config", kubeconfig);

        var list = await KubectlTool.RunAsync(["get", "pods", "-n", "default", "-o", "json"], kubectl);
        list.ExitCode.Should().Be(0, list.Stderr);
        lock (seen)
        {
            seen.Should().Contain(a => a.User == "alice" && a.Verb == "list" && a.Resource == "pods" && a.Namespace == "default" && a.Groups.Contains("dev"));
        }

        var delete = await KubectlTool.RunAsync(["delete", "service", "hello"], kubectl);
        delete.ExitCode.Should().NotBe(0);
        delete.Stderr.Should().Contain("Error from server (Forbidden): services \"hello\" is forbidden: User \"alice\" cannot delete resource \"services\" in API group \"\" in the namespace \"default\"");
    }

    [Fact]
    public async Task Unknown_or_revoked_token_is_unauthorized_and_anonymous_is_refused()
    {
        await using var emulator = await StartAsync();
        var api = emulator.Api;
        api.AddToken("second-token", "bob");
        var kubeconfig = api.GetKubeconfig(EmulatorAuth.Token).Replace(api.DefaultToken, "second-token", StringComparison.Ordinal);
        var kubectl = emulator.WriteFile("bob-config", kubeconfig);
        (await KubectlTool.RunAsync(["get", "ns", "-o", "name"], kubectl)).ExitCode.Should().Be(0);

        api.RevokeToken("second-token").Should().BeTrue();
        var revoked = await KubectlTool.RunAsync(["get", "ns", "-o", "name"], kubectl);
        revoked.ExitCode.Should().NotBe(0);
        revoked.Stderr.Should().ContainAny("the server has asked for the client to provide credentials", "(Unauthorized)");

        // No credentials at all: kubectl would prompt for a password, so ask over plain HTTPS.
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler) { BaseAddress = api.Url };
        using var response = await http.GetAsync("/api/v1/namespaces");
        ((int)response.StatusCode).Should().Be(401);
        (await response.Content.ReadAsStringAsync()).Should().Contain("\"reason\":\"Unauthorized\"");
    }

    [Fact]
    public async Task Token_file_is_reread_when_it_changes()
    {
        await using var emulator = await StartAsync(EmulatorAuth.TokenFile);
        var api = emulator.Api;
        var first = File.ReadAllText(api.TokenFile).Trim();
        (await emulator.Kubectl("get", "ns", "-o", "name")).ExitCode.Should().Be(0);

        // Rotate: the old token is refused once the file holds a new one (kubectl re-reads the file too).
        File.WriteAllText(api.TokenFile, "rotated-token-value");
        var withOld = emulator.WriteFile("old-token-config", api.GetKubeconfig(EmulatorAuth.Token).Replace(api.DefaultToken, first, StringComparison.Ordinal));
        var old = await KubectlTool.RunAsync(["get", "ns", "-o", "name"], withOld);
        old.ExitCode.Should().NotBe(0);
        old.Stderr.Should().ContainAny("the server has asked for the client to provide credentials", "(Unauthorized)");
        var rotated = await emulator.Kubectl("get", "ns", "-o", "name");
        rotated.ExitCode.Should().Be(0, rotated.Stderr);
    }

    [Fact]
    public async Task Impersonation_headers_are_recorded_and_checked()
    {
        await using var emulator = await StartAsync(authorize: a => a.Verb != "impersonate" || a.Name != "mallory");
        var api = emulator.Api;
        var ok = await emulator.Kubectl("get", "pods", "--as=jane", "--as-group=devs", "-o", "json");
        ok.ExitCode.Should().Be(0, ok.Stderr);
        api.Requests.Should().Contain(r => r.ImpersonatedUser == "jane" && r.ImpersonatedGroups.Contains("devs") && r.User == "jane");

        var denied = await emulator.Kubectl("get", "pods", "--as=mallory");
        denied.ExitCode.Should().NotBe(0);
        denied.Stderr.Should().Contain("users \"mallory\" is forbidden: User \"kube-access-admin\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope");
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
}
