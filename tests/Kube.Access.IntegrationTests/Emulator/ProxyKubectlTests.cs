using FluentAssertions;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.IntegrationTests.Emulator;

/// <summary>The proxy subresources of the guide scenario through kubectl get --raw and HttpClient.</summary>
public sealed class ProxyKubectlTests : IAsyncLifetime
{
    private EmulatorSession _session = null!;

    public async Task InitializeAsync()
    {
        _session = await EmulatorSession.StartAsync(EmulatorScenario.Guide, https: true);
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
    }

    /// <summary>kubectl against the session's emulator, as (stdout, stderr, exit code).</summary>
    private async Task<(string Stdout, string Stderr, int ExitCode)> KubectlAsync(string? stdin, params string[] args)
    {
        var result = await _session.Kubectl(args, stdin);
        return (result.Stdout, result.Stderr, result.ExitCode);
    }

    private async Task<(string Stdout, string Stderr, int ExitCode)> RawAsync(string path)
    {
        // The backend pods are bound when the controllers have started them: retry briefly.
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var result = await KubectlAsync(null, "get", "--raw", path);
            if (result.ExitCode == 0 || DateTime.UtcNow > deadline)
            {
                return result;
            }

            await Task.Delay(200);
        }
    }

    [Theory]
    [InlineData("/api/v1/namespaces/default/services/hello:80/proxy/")]
    [InlineData("/api/v1/namespaces/default/services/http:hello:80/proxy/")]
    [InlineData("/api/v1/namespaces/default/services/hello/proxy/")]
    public async Task Kubectl_get_raw_reaches_the_hello_backend(string path)
    {
        var result = await RawAsync(path);
        result.Should().Be(("Hello Kubernetes!", string.Empty, 0));
    }

    [Fact]
    public async Task Kubectl_get_raw_reports_a_missing_service()
    {
        var result = await KubectlAsync(null, "get", "--raw", "/api/v1/namespaces/default/services/nope:80/proxy/");
        result.ExitCode.Should().Be(1);
        result.Stderr.Should().Contain("services \"nope\" not found");
    }

    [Fact]
    public async Task HttpClient_with_the_token_reaches_a_backend_pod_through_its_proxy_path()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler) { BaseAddress = _session.Api.Url };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _session.Api.DefaultToken);
        var deadline = DateTime.UtcNow.AddMinutes(1);
        string body;
        do
        {
            body = await http.GetStringAsync("/api/v1/namespaces/default/services/hello:80/proxy/");
        }
        while (body != "Hello Kubernetes!" && DateTime.UtcNow < deadline);

        body.Should().Be("Hello Kubernetes!");
        (await http.GetAsync("/api/v1/namespaces/default/services/hello:80/proxy/")).Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
    }
}
