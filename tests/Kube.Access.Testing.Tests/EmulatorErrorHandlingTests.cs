using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace Kube.Access.Testing.Tests;

/// <summary>
/// What the emulator answers when a request is refused (a Kubernetes <c>Status</c>) and when the
/// emulator itself fails (recorded, and the test fails), over real loopback HTTP.
/// </summary>
public class EmulatorErrorHandlingTests
{
    private const string ConfigMap = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME"},"data":{"k":"VALUE"}}""";

    private static HttpClient Client(KubeApiEmulator api) => new() { BaseAddress = api.Url, Timeout = TimeSpan.FromMinutes(2) };

    private static async Task<(HttpStatusCode Code, JsonObject Body)> Post(HttpClient http, string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync(), documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 2000 })!.AsObject());
    }

    [Fact]
    public async Task An_exception_of_the_emulator_is_a_500_without_its_text_recorded_and_thrown_at_dispose()
    {
        var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions
        {
            Authorize = a => a.Resource == "secrets" ? throw new NullReferenceException("secret detail of the bug") : true,
        });
        try
        {
            using var http = Client(api);
            using var response = await http.GetAsync("/api/v1/namespaces/default/secrets");
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
            var status = JsonNode.Parse(text)!.AsObject();
            ((string?)status["reason"]).Should().Be("InternalError");
            text.Should().NotContain("secret detail of the bug").And.NotContain("NullReference");

            api.UnexpectedErrors.Should().ContainSingle();
            api.UnexpectedErrors[0].Exception.Should().BeOfType<NullReferenceException>();
            api.UnexpectedErrors[0].PathAndQuery.Should().Be("/api/v1/namespaces/default/secrets");
        }
        finally
        {
            var dispose = async () => await api.DisposeAsync();
            (await dispose.Should().ThrowAsync<KubeApiEmulatorException>())
                .Which.InnerException.Should().BeOfType<AggregateException>()
                .Which.InnerExceptions.Should().ContainSingle().Which.Should().BeOfType<NullReferenceException>();
        }
    }

    [Fact]
    public async Task Refusals_of_the_request_are_statuses_and_not_unexpected_errors()
    {
        await using var api = await KubeApiEmulator.StartAsync();
        using var http = Client(api);
        using (var missing = await http.GetAsync("/api/v1/namespaces/default/configmaps/none"))
        {
            missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }
        var (code, _) = await Post(http, "/api/v1/namespaces/default/configmaps", "{not json");
        code.Should().Be(HttpStatusCode.BadRequest);
        api.UnexpectedErrors.Should().BeEmpty();
    }

    [Fact]
    public async Task With_FailOnUnexpectedErrors_off_dispose_does_not_throw_but_the_error_is_listed()
    {
        var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions
        {
            FailOnUnexpectedErrors = false,
            Authorize = _ => throw new InvalidOperationException("bug"),
        });
        using (var http = Client(api))
        using (var response = await http.GetAsync("/version"))
        {
            response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        }
        api.UnexpectedErrors.Should().ContainSingle().Which.Exception.Should().BeOfType<InvalidOperationException>();
        await api.DisposeAsync();
    }

    [Fact]
    public async Task A_body_over_the_apiservers_3_MiB_limit_is_413_RequestEntityTooLarge()
    {
        await using var api = await KubeApiEmulator.StartAsync();
        using var http = Client(api);
        var (code, status) = await Post(http, "/api/v1/namespaces/default/configmaps", ConfigMap.Replace("NAME", "big").Replace("VALUE", new string('x', 3 * 1024 * 1024)));
        code.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        ((string?)status["reason"]).Should().Be("RequestEntityTooLarge");
        ((string?)status["message"]).Should().Be("Request entity too large: limit is 3145728");
        api.GetObject("configmaps", "default", "big").Should().BeNull();
    }

    [Fact]
    public async Task A_body_just_under_the_limit_is_stored()
    {
        await using var api = await KubeApiEmulator.StartAsync();
        using var http = Client(api);
        var (code, _) = await Post(http, "/api/v1/namespaces/default/configmaps", ConfigMap.Replace("NAME", "almost").Replace("VALUE", new string('x', 3 * 1024 * 1024 - 200)));
        code.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413_too()
    {
        await using var api = await KubeApiEmulator.StartAsync();
        using var http = Client(api);
        var bytes = Encoding.UTF8.GetBytes(ConfigMap.Replace("NAME", "chunked").Replace("VALUE", new string('x', 4 * 1024 * 1024)));
        using var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces/default/configmaps") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await http.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData(990, HttpStatusCode.Created)]
    [InlineData(1100, HttpStatusCode.BadRequest)]
    [InlineData(100_000, HttpStatusCode.BadRequest)]
    public async Task Nesting_beyond_the_depth_limit_is_a_400_and_within_it_is_stored(int depth, HttpStatusCode expected)
    {
        await using var api = await KubeApiEmulator.StartAsync();
        using var http = Client(api);
        var nested = new StringBuilder();
        nested.Append("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"deep\",\"annotations\":{\"a\":\"b\"}},\"x\":");
        nested.Append('[', depth).Append(']', depth).Append('}');
        var (code, status) = await Post(http, "/api/v1/namespaces/default/configmaps", nested.ToString());
        code.Should().Be(expected, status.ToJsonString());
        if (expected == HttpStatusCode.BadRequest)
        {
            ((string?)status["reason"]).Should().Be("BadRequest");
        }
    }
}

/// <summary>Files the emulator writes with a credential in them.</summary>
public class EmulatorFileModeTests
{
    [Fact]
    public async Task The_kubeconfig_and_the_token_file_are_readable_by_their_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var api = await KubeApiEmulator.StartAsync();
        var directory = Path.Combine(Path.GetTempPath(), "kube-access-mode-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = Path.Combine(directory, "config");
            api.WriteKubeconfig(path);
            File.ReadAllText(path).Should().Contain(api.DefaultToken);
            File.ReadAllBytes(path)[0].Should().Be((byte)'a', "no byte-order mark before apiVersion");
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            api.WriteKubeconfig(path, EmulatorAuth.Basic);
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(api.TokenFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
