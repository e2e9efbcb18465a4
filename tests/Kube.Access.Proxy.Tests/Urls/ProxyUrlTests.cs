using FluentAssertions;
using Kube.Access.Proxy;
using Xunit;

namespace Kube.Access.Proxy.Tests.Urls;

public sealed class ProxyUrlTests
{
    private readonly IProxyUrlBuilder _builder = new ProxyUrlBuilder();

    [Fact]
    public void Guide_dashboard_url_builds_with_the_trailing_colon_form()
    {
        var url = ProxyUrl.ForService("kubernetes-dashboard", "kubernetes-dashboard", scheme: "https", path: "/");

        _builder.Build(url).Should().Be("/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/");
        _builder.BuildUri(url, new Uri("http://localhost:8001")).AbsoluteUri
            .Should().Be("http://localhost:8001/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/");
    }

    [Fact]
    public void Guide_dashboard_url_parses_into_its_parts()
    {
        var url = _builder.Parse("http://localhost:8001/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/");

        url.Kind.Should().Be(ProxyResourceKind.Service);
        url.Namespace.Should().Be("kubernetes-dashboard");
        url.Name.Should().Be("kubernetes-dashboard");
        url.Scheme.Should().Be("https");
        url.Port.Should().BeNull();
        url.Path.Should().Be("/");
        url.Query.Should().BeEmpty();
        url.Server.Should().Be(new Uri("http://localhost:8001"));
    }

    [Theory]
    [InlineData("http://104.197.5.247/api/v1/namespaces/kube-system/services/elasticsearch-logging/proxy/_search?q=user:kimchy")]
    [InlineData("https://104.197.5.247/api/v1/namespaces/kube-system/services/elasticsearch-logging/proxy/_cluster/health?pretty=true")]
    [InlineData("https://104.197.5.247/api/v1/namespaces/kube-system/services/elasticsearch-logging/proxy")]
    [InlineData("/api/v1/namespaces/kube-system/services/kube-dns:dns-tcp/proxy")]
    [InlineData("/api/v1/namespaces/default/services/http:web:8080/proxy/a/b")]
    [InlineData("/api/v1/namespaces/default/pods/https:web-0:8443/proxy/healthz")]
    [InlineData("/api/v1/nodes/node-1.example/proxy/metrics")]
    [InlineData("/api/v1/nodes/node-1:10250/proxy/")]
    [InlineData("https://rancher.example:8443/k8s/clusters/c-1/api/v1/namespaces/ns/services/svc/proxy/?watch")]
    public void Guide_and_kubectl_urls_round_trip_exactly(string text)
    {
        _builder.Build(_builder.Parse(text)).Should().Be(text);
    }

    [Fact]
    public void Guide_search_url_keeps_the_query()
    {
        var url = _builder.Parse("http://104.197.5.247/api/v1/namespaces/kube-system/services/elasticsearch-logging/proxy/_search?q=user:kimchy");

        url.Path.Should().Be("/_search");
        url.Query.Should().ContainSingle().Which.Should().Be(new KeyValuePair<string, string?>("q", "user:kimchy"));
        url.Server!.Host.Should().Be("104.197.5.247");
    }

    [Theory]
    [InlineData(null, "svc", null, "svc")]
    [InlineData(null, "svc", "8080", "svc:8080")]
    [InlineData(null, "svc", "http-web", "svc:http-web")]
    [InlineData("https", "svc", null, "https:svc:")]
    [InlineData("https", "svc", "443", "https:svc:443")]
    [InlineData("http", "svc", null, "http:svc:")]
    public void Id_segment_follows_the_apiserver_grammar(string? scheme, string name, string? port, string id)
    {
        ProxyUrlBuilder.JoinSchemeNamePort(scheme, name, port).Should().Be(id);
        ProxyUrlBuilder.SplitSchemeNamePort(id, out var s, out var n, out var p).Should().BeTrue();
        (s, n, p).Should().Be((scheme, name, port));
    }

    [Theory]
    [InlineData("")]
    [InlineData(":8080")]
    [InlineData("ftp:svc:80")]
    [InlineData("a:b:c:d")]
    [InlineData("https::80")]
    public void Id_segments_the_apiserver_rejects_are_rejected(string id)
    {
        ProxyUrlBuilder.SplitSchemeNamePort(id, out _, out _, out _).Should().BeFalse();
    }

    [Fact]
    public void Path_query_and_fragment_are_escaped_and_unescaped()
    {
        var url = ProxyUrl.ForService("default", "web", "http", path: "/a b/ü/%/x?y#z")
            .WithQuery("q", "a&b=c d+e")
            .WithQuery("watch", null) with
        { Fragment = "/login?x=1" };

        var text = _builder.Build(url);

        text.Should().Be("/api/v1/namespaces/default/services/web:http/proxy/a%20b/%C3%BC/%25/x%3Fy%23z?q=a%26b%3Dc%20d%2Be&watch#/login?x=1");
        _builder.Parse(text).Should().Be(url);
    }

    [Fact]
    public void Plus_in_a_query_is_a_space_but_in_a_path_a_plus()
    {
        var url = _builder.Parse("/api/v1/namespaces/default/services/web/proxy/a+b?q=a+b");

        url.Path.Should().Be("/a+b");
        url.Query[0].Value.Should().Be("a b");
    }

    [Fact]
    public void Path_without_leading_slash_gets_one_and_empty_path_means_nothing_after_proxy()
    {
        _builder.Build(ProxyUrl.ForPod("default", "web-0", 8080, path: "metrics")).Should().Be("/api/v1/namespaces/default/pods/web-0:8080/proxy/metrics");
        _builder.Build(ProxyUrl.ForNode("n1")).Should().Be("/api/v1/nodes/n1/proxy");
    }

    [Fact]
    public void Absolute_url_keeps_the_server_path_prefix()
    {
        var url = ProxyUrl.ForService("ns", "svc", path: "/x");
        _builder.BuildUri(url, new Uri("https://h.example:6443/prefix/")).AbsoluteUri
            .Should().Be("https://h.example:6443/prefix/api/v1/namespaces/ns/services/svc/proxy/x");
    }

    [Theory]
    [InlineData("/api/v1/namespaces/default/services/web/proxy/../secrets", "path")]
    [InlineData("/api/v1/namespaces/default/services/web/proxy/a/%2E%2E/b", "path")]
    [InlineData("/api/v1/namespaces/default/services/web/proxy/%zz", "path")]
    [InlineData("/api/v1/namespaces/default/services/web/proxy/%C3", "path")]
    [InlineData("/api/v1/namespaces/Default/services/web/proxy", "namespace")]
    [InlineData("/api/v1/namespaces/default/services/1web/proxy", "name")]
    [InlineData("/api/v1/namespaces/default/services/ftp:web:80/proxy", "name")]
    [InlineData("/api/v1/namespaces/default/services/web:0/proxy", "port")]
    [InlineData("/api/v1/namespaces/default/services/web:65536/proxy", "port")]
    [InlineData("/api/v1/namespaces/default/services/web:Http/proxy", "port")]
    [InlineData("/api/v1/namespaces/default/pods/web-0:http/proxy", "port")]
    [InlineData("/api/v1/namespaces/default/services/web/exec", "resource")]
    [InlineData("/api/v1/namespaces/default/services/web", "resource")]
    [InlineData("/api/v1/namespaces/default/configmaps/web/proxy", "resource")]
    [InlineData("/api/v2/namespaces/default/services/web/proxy", "resource")]
    [InlineData("/api/v1/namespaces/default/services/web/proxy?=x", "query")]
    [InlineData("http:///api/v1/nodes/n/proxy", "server")]
    [InlineData("", "resource")]
    public void Malformed_urls_raise_a_typed_error_naming_the_part(string text, string field)
    {
        var act = () => _builder.Parse(text);

        act.Should().Throw<ProxyUrlException>().Which.Field.Should().Be(field);
        _builder.TryParse(text, out var parsed).Should().BeFalse();
        parsed.Should().BeNull();
    }

    [Fact]
    public void Building_invalid_parts_raises_a_typed_error()
    {
        var act = () => _builder.Build(ProxyUrl.ForService("default", "web:80"));
        act.Should().Throw<ProxyUrlException>().Which.Field.Should().Be("name");

        var scheme = () => _builder.Build(ProxyUrl.ForService("default", "web", scheme: "ftp"));
        scheme.Should().Throw<ProxyUrlException>().Which.Field.Should().Be("scheme");

        var node = () => _builder.Build(ProxyUrl.ForNode("n1") with { Namespace = "default" });
        node.Should().Throw<ProxyUrlException>().Which.Field.Should().Be("namespace");

        var surrogate = () => _builder.Build(ProxyUrl.ForService("default", "web", path: "/\ud800"));
        surrogate.Should().Throw<ProxyUrlException>().Which.Field.Should().Be("path");
    }

    [Fact]
    public void Error_position_points_into_the_input()
    {
        const string text = "/api/v1/namespaces/default/services/web:99999/proxy";
        var error = Assert.Throws<ProxyUrlException>(() => _builder.Parse(text));
        error.Position.Should().Be(text.IndexOf("web:", StringComparison.Ordinal));
        error.Input.Should().Be(text);
        error.Should().BeAssignableTo<KubeAccessException>();
    }
}
