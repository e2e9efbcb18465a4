using FluentAssertions;
using Kube.Access.Proxy.LocalApi;
using Xunit;

namespace Kube.Access.Proxy.Tests.LocalApi;

public sealed class FilterTests
{
    private static readonly RequestFilter Default = new(
        LocalApiProxyOptions.DefaultAcceptPaths, LocalApiProxyOptions.DefaultRejectPaths, LocalApiProxyOptions.DefaultAcceptHosts, LocalApiProxyOptions.DefaultRejectMethods);

    [Theory]
    [InlineData("localhost:8001", "localhost")]
    [InlineData("127.0.0.1:8001", "127.0.0.1")]
    [InlineData("[::1]:8001", "::1")] // Go strips the brackets, so kubectl's default ^\[::1\]$ does not match
    [InlineData("[::1]", "[::1]")]
    [InlineData("localhost", "localhost")]
    [InlineData("a:b:c", "a:b:c")]
    [InlineData("[::1]x:80", "[::1]x:80")]
    public void Host_is_extracted_like_go_SplitHostPort(string header, string host)
    {
        RequestFilter.ExtractHost(header).Should().Be(host);
    }

    [Theory]
    [InlineData("GET", "/api/v1/pods", "localhost", true)]
    [InlineData("GET", "/api/v1/namespaces/a/pods/b/exec", "localhost", false)]
    [InlineData("GET", "/api/v1/namespaces/a/pods/b/attach", "localhost", false)]
    [InlineData("GET", "/apis/apps/v1/deployments", "127.0.0.1", true)]
    [InlineData("GET", "/api/v1/pods", "evil.example", false)]
    [InlineData("GET", "/api/v1/pods", "localhost.evil.example", false)]
    [InlineData("GET", "/api/v1/pods", "localhost\n", false)]
    [InlineData("", "/api/v1/pods", "localhost", false)]
    public void Default_filter_decides_like_kubectl(string method, string path, string host, bool accepted)
    {
        Default.Accept(method, path, host).Should().Be(accepted);
    }

    [Theory]
    [InlineData("/a//b/", "/a/b/")]
    [InlineData("/a/./b", "/a/b")]
    [InlineData("/a/../../b", "/b")]
    [InlineData("", "/")]
    [InlineData("a", "/a")]
    [InlineData("/", "/")]
    public void Paths_are_cleaned_like_net_http(string path, string clean)
    {
        GoHttpPath.CleanPath(path).Should().Be(clean);
    }

    [Fact]
    public void Encoded_slashes_are_decoded_for_the_filter()
    {
        GoHttpPath.TryUnescape("/api/v1/namespaces/a/pods/b%2Fexec", out var decoded).Should().BeTrue();
        decoded.Should().Be("/api/v1/namespaces/a/pods/b/exec");
        GoHttpPath.TryUnescape("/bad%zz", out _).Should().BeFalse();
    }

    [Fact]
    public void Empty_option_is_an_empty_list_and_comma_splits()
    {
        new RequestFilter("^.*", string.Empty, "^localhost$", "POST,PUT").Accept("PUT", "/x", "localhost").Should().BeFalse();
        new RequestFilter("^.*", string.Empty, string.Empty, "^$").Accept("GET", "/x", "localhost").Should().BeFalse();
    }
}
