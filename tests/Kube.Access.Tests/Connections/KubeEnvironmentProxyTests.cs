using FluentAssertions;
using Xunit;

namespace Kube.Access.Tests.Connections;

/// <summary>
/// <see cref="KubeEnvironmentProxy"/> decides as Go's <c>http.ProxyFromEnvironment</c> (which kubectl uses) decides:
/// which variable serves which scheme, the loopback exemption, and every NO_PROXY entry form. Only the decision is
/// asked for here: no connection is made (a bypassed non-loopback server would be a real address).
/// </summary>
public sealed class KubeEnvironmentProxyTests
{
    private const string Proxy = "http://proxy.corp:3128/";

    [Theory]
    [InlineData("https://10.0.0.5:6443")]
    [InlineData("https://api.cluster.example:443")]
    [InlineData("https://kubernetes.default.svc")]
    [InlineData("https://[2001:db8::1]:6443")]
    [InlineData("https://localhost.example")]
    [InlineData("https://128.0.0.1")]
    public void An_https_server_goes_through_https_proxy(string server)
    {
        var proxy = new KubeEnvironmentProxy(httpProxy: null, httpsProxy: Proxy, noProxy: null);

        proxy.GetProxy(new Uri(server)).Should().Be(new Uri(Proxy));
        proxy.IsBypassed(new Uri(server)).Should().BeFalse();
    }

    [Theory]
    [InlineData("https://127.0.0.1:6443")]
    [InlineData("https://127.8.9.10")]
    [InlineData("https://[::1]:6443")]
    [InlineData("https://[::ffff:127.0.0.1]:6443")]
    [InlineData("https://localhost:6443")]
    [InlineData("https://LOCALHOST")]
    [InlineData("http://localhost:8001")]
    public void A_loopback_server_is_never_proxied(string server)
    {
        var proxy = new KubeEnvironmentProxy(httpProxy: Proxy, httpsProxy: Proxy, noProxy: null);

        proxy.GetProxy(new Uri(server)).Should().BeNull();
        proxy.IsBypassed(new Uri(server)).Should().BeTrue();
    }

    [Fact]
    public void Each_scheme_uses_its_own_variable()
    {
        var onlyHttps = new KubeEnvironmentProxy(httpProxy: null, httpsProxy: Proxy, noProxy: null);
        var onlyHttp = new KubeEnvironmentProxy(httpProxy: Proxy, httpsProxy: null, noProxy: null);

        onlyHttps.GetProxy(new Uri("http://10.0.0.5:8080")).Should().BeNull();
        onlyHttp.GetProxy(new Uri("http://10.0.0.5:8080")).Should().Be(new Uri(Proxy));
        onlyHttp.GetProxy(new Uri("https://10.0.0.5:6443")).Should().BeNull();
        onlyHttps.GetProxy(new Uri("wss://10.0.0.5:6443/api")).Should().Be(new Uri(Proxy));
    }

    [Theory]
    [InlineData("*", "https://anything.example", false)]
    [InlineData("example.com", "https://example.com", false)]
    [InlineData("example.com", "https://api.example.com", false)]
    [InlineData("example.com", "https://notexample.com", true)]
    [InlineData(".example.com", "https://example.com", true)]
    [InlineData(".example.com", "https://api.example.com", false)]
    [InlineData("*.example.com", "https://example.com", true)]
    [InlineData("*.example.com", "https://a.b.example.com", false)]
    [InlineData("example.com:8443", "https://example.com:8443", false)]
    [InlineData("example.com:8443", "https://example.com", true)]
    [InlineData(" Example.COM , ,other.test", "https://api.example.com", false)]
    [InlineData("10.96.0.0/12", "https://10.96.0.1", false)]
    [InlineData("10.96.0.0/12", "https://10.111.255.254", false)]
    [InlineData("10.96.0.0/12", "https://10.112.0.1", true)]
    [InlineData("10.0.0.5", "https://10.0.0.5:6443", false)]
    [InlineData("10.0.0.5:443", "https://10.0.0.5", false)]
    [InlineData("10.0.0.5:443", "https://10.0.0.5:6443", true)]
    [InlineData("2001:db8::/32", "https://[2001:db8::1]", false)]
    [InlineData("2001:db8::1", "https://[2001:db8::1]:6443", false)]
    [InlineData("[2001:db8::1]:6443", "https://[2001:db8::1]:6443", false)]
    [InlineData("[2001:db8::1]:6443", "https://[2001:db8::1]", true)]
    [InlineData("10.0.0.0/8", "https://kubernetes.default.svc", true)]
    [InlineData(":443", "https://example.com", true)]
    [InlineData("svc", "https://kubernetes.default.svc", false)]
    public void No_proxy_entries_match_as_go_matches_them(string noProxy, string server, bool proxied)
    {
        var proxy = new KubeEnvironmentProxy(httpProxy: Proxy, httpsProxy: Proxy, noProxy: noProxy);

        proxy.GetProxy(new Uri(server)).Should().Be(proxied ? new Uri(Proxy) : null, $"NO_PROXY={noProxy} for {server}");
    }

    [Fact]
    public void A_value_without_a_scheme_is_an_http_proxy_and_user_information_becomes_credentials()
    {
        var proxy = new KubeEnvironmentProxy(httpProxy: "user:p%40ss@plain.corp:8080", httpsProxy: "proxy.corp:3128", noProxy: null);

        proxy.HttpsProxy.Should().Be(new Uri("http://proxy.corp:3128/"));
        proxy.HttpProxy.Should().Be(new Uri("http://plain.corp:8080/"), "the user information is not left in the URL");
        var credential = proxy.Credentials!.GetCredential(new Uri("http://plain.corp:8080/"), "Basic");
        credential.Should().NotBeNull();
        credential!.UserName.Should().Be("user");
        credential.Password.Should().Be("p@ss");
        proxy.Credentials.GetCredential(new Uri("http://proxy.corp:3128/"), "Basic").Should().BeNull();
    }

    [Fact]
    public void The_environment_is_read_as_kubectl_reads_it()
    {
        var variables = new Dictionary<string, string>
        {
            ["HTTPS_PROXY"] = "http://upper.corp:1",
            ["https_proxy"] = "http://lower.corp:2",
            ["http_proxy"] = "http://lower-http.corp:3",
            ["ALL_PROXY"] = "http://all.corp:4",
            ["no_proxy"] = "skip.example",
        };

        var proxy = KubeEnvironmentProxy.FromEnvironment(name => variables.GetValueOrDefault(name));

        proxy.HttpsProxy.Should().Be(new Uri("http://upper.corp:1/"), "the upper-case name wins");
        proxy.HttpProxy.Should().Be(new Uri("http://lower-http.corp:3/"), "the lower-case name serves when the upper-case one is unset");
        proxy.GetProxy(new Uri("https://api.skip.example")).Should().BeNull();
        var allOnly = KubeEnvironmentProxy.FromEnvironment(name => name == "ALL_PROXY" ? "http://all.corp:4" : null);
        allOnly.GetProxy(new Uri("https://10.0.0.5")).Should().BeNull("ALL_PROXY is not read, as in Go");
        allOnly.IsEmpty.Should().BeTrue();
        proxy.IsEmpty.Should().BeFalse();
        KubeEnvironmentProxy.FromEnvironment(name => name == "HTTPS_PROXY" ? "ftp://bad" : null).IsEmpty.Should().BeFalse("an unusable value still counts: it is reported, not ignored");
    }

    [Theory]
    [InlineData("ftp://proxy.corp:21", "unsupported proxy scheme 'ftp'")]
    [InlineData("http://[not a host", "is not a proxy URL")]
    public void An_unusable_value_is_an_error_for_a_server_that_would_use_it(string value, string reason)
    {
        var proxy = new KubeEnvironmentProxy(httpProxy: Proxy, httpsProxy: value, noProxy: "no.example");

        var act = () => proxy.GetProxy(new Uri("https://10.0.0.5:6443"));

        act.Should().Throw<KubeProxyConfigurationException>()
            .Where(e => e.Setting == "HTTPS_PROXY" && e.Message.Contains($"HTTPS_PROXY '{value}'") && e.Message.Contains(reason));
        proxy.GetProxy(new Uri("http://10.0.0.5:8080")).Should().Be(new Uri(Proxy), "an http server does not use HTTPS_PROXY");
        proxy.GetProxy(new Uri("https://127.0.0.1:6443")).Should().BeNull("a loopback server uses no proxy at all");
        proxy.GetProxy(new Uri("https://api.no.example")).Should().BeNull("nor does one NO_PROXY exempts");
    }
}
