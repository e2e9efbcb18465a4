using System.Text.Json.Nodes;
using FluentAssertions;
using Kube.Access.Proxy.Tests.Support;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Proxy.Tests.LocalApi;

/// <summary>One emulator, <c>kubectl proxy --port=0</c> and ours with the same options in front of it.</summary>
public sealed class ProxyPairFixture : IAsyncLifetime
{
    public EmulatorSession Host { get; private set; } = null!;

    public KubectlProxy Kubectl { get; private set; } = null!;

    public LocalApiProxyServer Ours { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await EmulatorHost.StartAsync();
        Kubectl = await KubectlProxy.StartAsync(Host.Kubeconfig);
        Ours = await new LocalApiProxy().StartAsync(Host.Connection, new LocalApiProxyOptions { Port = 0 });
    }

    public async Task DisposeAsync()
    {
        await Ours.DisposeAsync();
        await Kubectl.DisposeAsync();
        await Host.DisposeAsync();
    }
}

public sealed class ProxyDifferentialTests(ProxyPairFixture pair) : IClassFixture<ProxyPairFixture>
{
    public static TheoryData<string, string, string?> Requests => new()
    {
        // Allowed reads.
        { "GET", "/version", null },
        { "GET", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", null },
        { "GET", "/api/v1/namespaces/default/pods/does-not-exist", null },
        { "GET", "/api/v1/namespaces/kube-system/services?labelSelector=kubernetes.io%2Fcluster-service%3Dtrue", null },
        { "HEAD", "/version", null },
        // Rejected paths (exec/attach), also hidden behind an encoded slash.
        { "GET", "/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true", null },
        { "POST", "/api/v1/namespaces/default/pods/web/attach?stdin=true", null },
        { "GET", "/api/v1/namespaces/default/pods/a%2Fexec", null },
        // Rejected Host headers (DNS rebinding defence), and the accepted forms.
        { "GET", "/version", "evil.example" },
        { "GET", "/version", "evil.example:8001" },
        { "GET", "/version", "[::1]:8001" },
        { "GET", "/version", "[::1]" },
        { "GET", "/version", "localhost:12345" },
        // Go's path cleaning: a redirect, not a filter bypass.
        { "GET", "//api/v1/namespaces/default/pods/web/exec", null },
        { "GET", "/api/v1/namespaces/default/../default/configmaps", null },
        // A service proxy path (the apiserver's proxy verb) through the local proxy.
        { "GET", "/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy/", null },
        { "GET", "/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/", null },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Ours_answers_like_kubectl_proxy(string method, string target, string? host)
    {
        var theirs = await RawHttp.SendAsync(pair.Kubectl.Port, method, target, host is null ? null : host);
        var ours = await RawHttp.SendAsync(pair.Ours.Port, method, target, host is null ? null : host);

        AssertSame(theirs, ours);
    }

    [Fact]
    public async Task A_watch_streams_the_same_events_through_both()
    {
        const string target = "/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3Dkube-root-ca.crt";
        var theirs = await FirstWatchEventAsync(pair.Kubectl.Url, target);
        var ours = await FirstWatchEventAsync(pair.Ours.Url!, target);

        ours["type"]!.GetValue<string>().Should().Be("ADDED");
        JsonNode.DeepEquals(theirs, ours).Should().BeTrue($"kubectl: {theirs.ToJsonString()}\nours: {ours.ToJsonString()}");
    }

    [Fact]
    public async Task The_client_Authorization_header_is_not_forwarded()
    {
        // kubectl proxy would forward the bogus token (the apiserver then answers 401); ours always sends the user's credentials.
        var ours = await RawHttp.SendAsync(pair.Ours.Port, "GET", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", headers: [("Authorization", "Bearer not-a-valid-token")]);

        ours.Status.Should().Be(200);
        pair.Host.Api.Requests.Should().NotContain(r => r.Headers.Values.Any(v => v.Contains("not-a-valid-token", StringComparison.Ordinal)));
    }

    private static async Task<JsonNode> FirstWatchEventAsync(Uri proxy, string target)
    {
        using var client = new HttpClient { BaseAddress = proxy, Timeout = TimeSpan.FromMinutes(1) };
        using var response = await client.GetAsync(target.TrimStart('/'), HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        // The watch stays open: reading the first event proves it streamed without buffering to the end.
        var line = await reader.ReadLineAsync(cts.Token);
        return JsonNode.Parse(line!)!;
    }

    internal static void AssertSame(RawHttp.Response theirs, RawHttp.Response ours)
    {
        ours.Status.Should().Be(theirs.Status, $"kubectl answered {theirs.Status} {theirs.Body}");
        Header(ours, "Content-Type").Should().Be(Header(theirs, "Content-Type"));
        Header(ours, "Location").Should().Be(Header(theirs, "Location"));
        Header(ours, "X-Content-Type-Options").Should().Be(Header(theirs, "X-Content-Type-Options"));
        if (IsJson(theirs) && IsJson(ours) && theirs.Body.Length > 0)
        {
            var a = JsonNode.Parse(theirs.Body);
            var b = JsonNode.Parse(ours.Body);
            JsonNode.DeepEquals(a, b).Should().BeTrue($"kubectl: {theirs.Body}\nours: {ours.Body}");
        }
        else
        {
            ours.Body.Should().Be(theirs.Body);
        }
    }

    private static string? Header(RawHttp.Response response, string name) => response.Headers.TryGetValue(name, out var value) ? value : null;

    private static bool IsJson(RawHttp.Response response) => Header(response, "Content-Type")?.StartsWith("application/json", StringComparison.Ordinal) == true;
}

/// <summary>Non-default options: reject-methods and api-prefix, compared with kubectl started with the same flags.</summary>
public sealed class ProxyOptionsDifferentialTests
{
    [Fact]
    public async Task Reject_methods_and_a_custom_api_prefix_behave_like_kubectl()
    {
        await using var host = await EmulatorHost.StartAsync();
        await using var kubectl = await KubectlProxy.StartAsync(host.Kubeconfig, "--reject-methods=POST,PUT", "--api-prefix=/custom");
        await using var ours = await new LocalApiProxy().StartAsync(host.Connection, new LocalApiProxyOptions { Port = 0, RejectMethods = "POST,PUT", ApiPrefix = "/custom" });

        var requests = new (string Method, string Target, string? Body)[]
        {
            ("POST", "/custom/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"""),
            ("GET", "/custom/api/v1/namespaces/default/configmaps/kube-root-ca.crt", null),
            ("GET", "/custom/version", null),
            ("GET", "/custom", null),
            ("GET", "/api/v1/namespaces/default/configmaps", null),
            ("GET", "/custom/api/v1/namespaces/default/pods/web/exec", null),
        };
        foreach (var (method, target, body) in requests)
        {
            var theirs = await RawHttp.SendAsync(kubectl.Port, method, target, body: body);
            var mine = await RawHttp.SendAsync(ours.Port, method, target, body: body);
            using (new FluentAssertions.Execution.AssertionScope($"{method} {target}"))
            {
                ProxyDifferentialTests.AssertSame(theirs, mine);
            }
        }
    }
}
