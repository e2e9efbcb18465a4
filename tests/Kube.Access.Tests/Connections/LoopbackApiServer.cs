using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kube.Access.Tests.Connections;

/// <summary>
/// A tiny real API server on loopback for the connection layer's own tests (TLS, auth, retry,
/// WebSocket upgrade). Accepts a set of bearer tokens; records what it saw.
/// </summary>
internal sealed class LoopbackApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, bool> _tokens = new();

    private LoopbackApiServer(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>The TLS server name (SNI) of each handshake, empty when the client sent none.</summary>
    public ConcurrentQueue<string> ServerNames { get; private init; } = new();

    public void AddToken(string token) => _tokens[token] = true;

    public void RevokeToken(string token) => _tokens.TryRemove(token, out _);

    /// <summary>Starts on 127.0.0.1 with an ephemeral port; HTTPS with <paramref name="certificate"/> when given.</summary>
    public static async Task<LoopbackApiServer> StartAsync(X509Certificate2? certificate, bool anonymous = false)
    {
        var serverNames = new ConcurrentQueue<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate, h =>
                {
                    h.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    h.AllowAnyClientCertificate();
                    // Records the name each client sent in its handshake (SNI; none for an IP address).
                    h.ServerCertificateSelector = (_, name) =>
                    {
                        serverNames.Enqueue(name ?? string.Empty);
                        return certificate;
                    };
                });
            }
        }));
        var app = builder.Build();
        var server = new LoopbackApiServer(app) { ServerNames = serverNames };
        app.UseWebSockets();
        app.Run(context => server.HandleAsync(context, anonymous));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address);
        return server;
    }

    private async Task HandleAsync(HttpContext context, bool anonymous)
    {
        var clientCert = await context.Connection.GetClientCertificateAsync();
        var auth = context.Request.Headers.Authorization.ToString();
        Requests.Enqueue(new RecordedRequest(
            context.Request.Method,
            context.Request.Path + context.Request.QueryString,
            context.Request.Protocol,
            auth,
            context.Request.Headers.Where(h => h.Key.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase))
                .SelectMany(h => h.Value.Select(v => (h.Key, v!))).ToList(),
            clientCert?.Subject,
            context.WebSockets.IsWebSocketRequest));

        var authorized = anonymous || clientCert is not null
            || (auth.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.ContainsKey(auth["Bearer ".Length..]));
        if (!authorized)
        {
            context.Response.StatusCode = 401;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}""");
            return;
        }

        if (context.Request.Path == "/forbidden-ws")
        {
            context.Response.StatusCode = 403;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"p\" is forbidden: User \"u\" cannot create resource \"pods/portforward\"","reason":"Forbidden","code":403}""");
            return;
        }

        if (context.WebSockets.IsWebSocketRequest)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(context.WebSockets.WebSocketRequestedProtocols.FirstOrDefault());
            var buffer = new byte[256];
            var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
            await socket.SendAsync(buffer.AsMemory(0, received.Count), System.Net.WebSockets.WebSocketMessageType.Binary, true, context.RequestAborted);
            await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
            return;
        }

        context.Response.ContentType = "application/json";
        switch (context.Request.Path.Value)
        {
            case "/version":
                await context.Response.WriteAsync("""{"major":"1","minor":"32","gitVersion":"v1.32.4-loopback","platform":"linux/amd64"}""");
                break;
            case "/api":
                await context.Response.WriteAsync("""{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"192.0.2.10:6443"}]}""");
                break;
            default:
                await context.Response.WriteAsync("{}");
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed record RecordedRequest(
    string Method,
    string PathAndQuery,
    string Protocol,
    string Authorization,
    IReadOnlyList<(string Name, string Value)> Impersonation,
    string? ClientCertificateSubject,
    bool WebSocket);
