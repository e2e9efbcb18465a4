using System.Net;
using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using k8s;
using Xunit;

namespace Kube.Access.Tests.Connections;

public sealed class AuthTests : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly string _dir = Directory.CreateTempSubdirectory("kube-access-auth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_rotated_token_file_is_reread_after_a_401_and_the_get_retried_once()
    {
        await using var server = await LoopbackApiServer.StartAsync(null);
        var tokenPath = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(tokenPath, "old-token\n");
        server.AddToken("old-token");
        var source = new TokenFileCredentialSource(tokenPath, TimeSpan.FromHours(1));
        await using var connection = new KubeConnection(new KubeEndpoint { Server = server.Url, Credentials = source });

        (await new KubeDiscovery(connection).GetVersionAsync(Ct)).GitVersion.Should().NotBeNull();

        await File.WriteAllTextAsync(tokenPath, "new-token\n");
        server.AddToken("new-token");
        server.RevokeToken("old-token");

        (await new KubeDiscovery(connection).GetVersionAsync(Ct)).GitVersion.Should().NotBeNull();
        server.Requests.Select(r => r.Authorization).Should().Equal("Bearer old-token", "Bearer old-token", "Bearer new-token");
    }

    [Fact]
    public async Task A_post_is_not_retried_and_the_401_is_returned()
    {
        await using var server = await LoopbackApiServer.StartAsync(null);
        var tokenPath = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(tokenPath, "old-token");
        server.AddToken("old-token");
        var source = new TokenFileCredentialSource(tokenPath, TimeSpan.FromHours(1));
        await using var connection = new KubeConnection(new KubeEndpoint { Server = server.Url, Credentials = source });
        (await connection.Http.GetAsync("version", Ct)).StatusCode.Should().Be(HttpStatusCode.OK);
        await File.WriteAllTextAsync(tokenPath, "new-token");
        server.AddToken("new-token");
        server.RevokeToken("old-token");

        using var response = await connection.Http.PostAsync("api/v1/namespaces", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        server.Requests.Should().HaveCount(2);
        server.Requests.Last().Authorization.Should().Be("Bearer old-token");

        // The source was still told: the next request uses the new token at once.
        using var next = await connection.Http.GetAsync("version", Ct);
        next.StatusCode.Should().Be(HttpStatusCode.OK);
        server.Requests.Last().Authorization.Should().Be("Bearer new-token");
    }

    [Fact]
    public async Task A_static_token_that_is_refused_is_not_retried()
    {
        await using var server = await LoopbackApiServer.StartAsync(null);
        await using var connection = new KubeConnection(new KubeEndpoint
        {
            Server = server.Url,
            Credentials = new StaticCredentialSource(KubeCredential.FromToken("nope")),
        });

        var act = async () => await new KubeDiscovery(connection).GetVersionAsync(Ct);
        var error = (await act.Should().ThrowAsync<KubeApiException>()).Which;
        error.StatusCode.Should().Be(401);
        error.Reason.Should().Be("Unauthorized");
        error.Message.Should().NotContain("nope");
        server.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task Basic_and_impersonation_headers_are_sent()
    {
        await using var server = await LoopbackApiServer.StartAsync(null, anonymous: true);
        await using var connection = new KubeConnection(new KubeEndpoint
        {
            Server = server.Url,
            Credentials = new StaticCredentialSource(KubeCredential.FromBasic("admin", "secret")),
            Impersonation = new KubeImpersonation(
                "jane",
                Uid: "42",
                Groups: ["dev"],
                Extra: new Dictionary<string, IReadOnlyList<string>> { ["scopes.example.com/reason"] = ["audit"] }),
        });

        await new KubeDiscovery(connection).GetVersionAsync(Ct);
        var seen = server.Requests.Should().ContainSingle().Subject;
        seen.Authorization.Should().Be("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:secret")));
        seen.Impersonation.Should().BeEquivalentTo(new[]
        {
            ("Impersonate-User", "jane"),
            ("Impersonate-Uid", "42"),
            ("Impersonate-Group", "dev"),
            ("Impersonate-Extra-scopes.example.com%2Freason", "audit"),
        });
    }

    [Fact]
    public void Several_impersonation_groups_are_refused_rather_than_sent_as_one_joined_header()
    {
        var act = () => new KubeConnection(new KubeEndpoint
        {
            Server = new Uri("https://127.0.0.1:6443"),
            Impersonation = new KubeImpersonation("jane", Groups: ["dev", "ops"]),
        });
        act.Should().Throw<KubeAccessException>().WithMessage("*Impersonate-Group*");
    }

    [Fact]
    public async Task The_kubernetes_client_shares_the_pipeline()
    {
        await using var server = await LoopbackApiServer.StartAsync(null);
        server.AddToken("t1");
        await using var connection = new KubeConnection(new KubeEndpoint
        {
            Server = server.Url,
            Credentials = new StaticCredentialSource(KubeCredential.FromToken("t1")),
            Impersonation = new KubeImpersonation("jane"),
        });

        await connection.Client.CoreV1.GetAPIResourcesAsync(cancellationToken: Ct);
        var seen = server.Requests.Should().ContainSingle().Subject;
        seen.PathAndQuery.Should().Be("/api/v1/");
        seen.Authorization.Should().Be("Bearer t1");
        seen.Impersonation.Should().Contain(("Impersonate-User", "jane"));
    }

    [Fact]
    public async Task A_websocket_uses_the_current_token_and_refreshes_once_after_a_401()
    {
        await using var server = await LoopbackApiServer.StartAsync(null);
        var tokenPath = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(tokenPath, "old-token");
        server.AddToken("old-token");
        await using var connection = new KubeConnection(new KubeEndpoint
        {
            Server = server.Url,
            Credentials = new TokenFileCredentialSource(tokenPath, TimeSpan.FromHours(1)),
            Impersonation = new KubeImpersonation("jane", Groups: ["dev"]),
        });

        await EchoAsync(connection);
        await File.WriteAllTextAsync(tokenPath, "new-token");
        server.AddToken("new-token");
        server.RevokeToken("old-token");
        await EchoAsync(connection);

        var upgrades = server.Requests.Where(r => r.PathAndQuery.StartsWith("/api/v1/namespaces", StringComparison.Ordinal)).ToList();
        upgrades.Select(r => r.Authorization).Should().Equal("Bearer old-token", "Bearer old-token", "Bearer new-token");
        upgrades.Should().AllSatisfy(r => r.Impersonation.Should().Contain(("Impersonate-User", "jane")).And.Contain(("Impersonate-Group", "dev")));
    }

    [Fact]
    public async Task A_refused_upgrade_is_a_kube_api_exception_with_the_status_text()
    {
        await using var server = await LoopbackApiServer.StartAsync(null, anonymous: true);
        await using var connection = new KubeConnection(new KubeEndpoint { Server = server.Url });
        var act = async () => await connection.ConnectWebSocketAsync("/forbidden-ws", ["v4.channel.k8s.io"], Ct);
        var error = (await act.Should().ThrowAsync<KubeApiException>()).Which;
        error.StatusCode.Should().Be(403);
        error.Reason.Should().Be("Forbidden");
        error.Message.Should().Contain("cannot create resource \\\"pods/portforward\\\"".Replace("\\", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refused_connection_names_the_server()
    {
        var port = FreePort();
        await using var connection = new KubeConnection(new KubeEndpoint { Server = new Uri($"http://127.0.0.1:{port}") });
        var act = async () => await new KubeDiscovery(connection).GetVersionAsync(Ct);
        (await act.Should().ThrowAsync<KubeConnectionException>()).Which.Server.Port.Should().Be(port);
        var ws = async () => await connection.ConnectWebSocketAsync("/x", ["v4.channel.k8s.io"], Ct);
        (await ws.Should().ThrowAsync<KubeConnectionException>()).Which.Server.Port.Should().Be(port);
    }

    [Theory]
    [InlineData("GET", true)]
    [InlineData("PUT", true)]
    [InlineData("DELETE", true)]
    [InlineData("POST", false)]
    [InlineData("PATCH", false)]
    public void Only_idempotent_requests_are_retried(string method, bool retried)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "http://127.0.0.1/x");
        KubeAuthHandler.CanRetry(request).Should().Be(retried);
    }

    [Fact]
    public void A_streamed_body_is_not_retried()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1/x") { Content = new StreamContent(new MemoryStream([1])) };
        KubeAuthHandler.CanRetry(request).Should().BeFalse();
    }

    private static async Task EchoAsync(IKubeConnection connection)
    {
        using var socket = await connection.ConnectWebSocketAsync("/api/v1/namespaces/default/pods/p/portforward?ports=80", ["v4.channel.k8s.io"], Ct);
        socket.SubProtocol.Should().Be("v4.channel.k8s.io");
        await socket.SendAsync(new byte[] { 7, 8, 9 }, WebSocketMessageType.Binary, true, Ct);
        var buffer = new byte[16];
        var result = await socket.ReceiveAsync(buffer, Ct);
        buffer[..result.Count].Should().Equal(7, 8, 9);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, Ct);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
