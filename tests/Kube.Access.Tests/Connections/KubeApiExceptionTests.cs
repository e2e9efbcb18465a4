using System.Net;
using System.Text;
using FluentAssertions;
using Kube.Access.Testing;
using Xunit;

namespace Kube.Access.Tests.Connections;

/// <summary>One way every package turns an API error into a <see cref="KubeApiException"/>.</summary>
public sealed class KubeApiExceptionTests
{
    private const string NotFound = """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}""";

    [Fact]
    public void A_status_body_gives_reason_message_and_the_servers_own_words()
    {
        var e = KubeApiException.FromStatus(404, NotFound, "get pod default/x");

        e.StatusCode.Should().Be(404);
        e.Reason.Should().Be("NotFound");
        e.StatusMessage.Should().Be("pods \"x\" not found");
        e.Message.Should().Be("get pod default/x: pods \"x\" not found (404 NotFound)");
        e.ResponseBody.Should().Be(NotFound);
    }

    [Fact]
    public void A_plain_text_body_is_the_message()
    {
        var e = KubeApiException.FromStatus(502, "upstream connect error\n", "GET /api", "Bad Gateway");

        e.Reason.Should().BeNull();
        e.StatusMessage.Should().BeNull();
        e.Message.Should().Be("GET /api: upstream connect error (502 Bad Gateway)");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{not json")]
    [InlineData("""{"kind":"Status","code":503}""")]
    public void No_usable_body_names_the_status(string? body)
    {
        var e = KubeApiException.FromStatus(503, body, "list pods");

        e.Message.Should().Be("list pods: the API server answered 503 ServiceUnavailable");
        e.Reason.Should().BeNull();
    }

    [Fact]
    public void Long_bodies_are_bounded()
    {
        var body = new string('x', 200_000);

        var e = KubeApiException.FromStatus(500, body, "list pods");

        e.ResponseBody!.Length.Should().Be(64 * 1024);
        e.Message.Length.Should().BeLessThan(600);
        e.Message.Should().EndWith("... (500 InternalServerError)");
    }

    [Fact]
    public async Task A_real_error_response_from_the_emulator_is_read()
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions());
        using var http = new HttpClient { BaseAddress = api.Url };
        using var response = await http.GetAsync("/api/v1/namespaces/default/pods/nope");

        var e = await KubeApiException.FromResponseAsync(response, "get pod default/nope");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        e.StatusCode.Should().Be(404);
        e.Reason.Should().Be("NotFound");
        e.StatusMessage.Should().Be("pods \"nope\" not found");
        e.Message.Should().StartWith("get pod default/nope: pods \"nope\" not found");
        Encoding.UTF8.GetByteCount(e.ResponseBody!).Should().BeGreaterThan(0);
    }
}
