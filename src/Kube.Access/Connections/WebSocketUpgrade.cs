using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Kube.Access;

/// <summary>
/// The RFC 6455 opening handshake over the connection's own HTTP/1.1 pipeline, then the runtime's WebSocket
/// framing (<see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>) over a
/// <see cref="ReadAheadStream"/>. ClientWebSocket reads each frame with two socket receives (the header into a
/// 139-byte buffer, then the payload); reading ahead in 64 KiB takes a whole frame, or several, per receive.
/// </summary>
internal static class WebSocketUpgrade
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>How much is read from the socket at once.</summary>
    public const int ReadAheadSize = 64 * 1024;

    /// <summary>
    /// Sends the upgrade request for <paramref name="uri"/> (http or https) through <paramref name="invoker"/>
    /// and returns the open WebSocket. A refused upgrade surfaces as whatever the pipeline throws for it
    /// (<see cref="KubeApiException"/> from <see cref="UpgradeRejectionHandler"/>); a 101 that breaks the
    /// handshake rules is a <see cref="WebSocketException"/>.
    /// </summary>
    public static async ValueTask<WebSocket> ConnectAsync(HttpMessageInvoker invoker, Uri uri, IReadOnlyList<string> subProtocols, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", key);
        if (subProtocols.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("Sec-WebSocket-Protocol", string.Join(", ", subProtocols));
        }

        var response = await invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            if (response.StatusCode != HttpStatusCode.SwitchingProtocols)
            {
                throw new WebSocketException(WebSocketError.NotAWebSocket, $"The server answered the WebSocket upgrade with {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            var upgrade = response.Headers.Upgrade.FirstOrDefault()?.Name;
            if (!string.Equals(upgrade, "websocket", StringComparison.OrdinalIgnoreCase))
            {
                throw new WebSocketException(WebSocketError.HeaderError, $"The server's 101 response upgrades to '{upgrade ?? "(nothing)"}', not websocket.");
            }

            var expectedAccept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
            var accept = response.Headers.TryGetValues("Sec-WebSocket-Accept", out var accepts) ? accepts.FirstOrDefault() : null;
            if (!string.Equals(accept, expectedAccept, StringComparison.Ordinal))
            {
                throw new WebSocketException(WebSocketError.HeaderError, "The server's Sec-WebSocket-Accept does not match the key sent.");
            }

            string? chosen = null;
            if (response.Headers.TryGetValues("Sec-WebSocket-Protocol", out var protocols))
            {
                chosen = protocols.FirstOrDefault()?.Trim();
                if (!string.IsNullOrEmpty(chosen) && !subProtocols.Contains(chosen, StringComparer.Ordinal))
                {
                    throw new WebSocketException(WebSocketError.UnsupportedProtocol, $"The server chose the subprotocol '{chosen}', which was not offered ({string.Join(", ", subProtocols)}).");
                }

                chosen = string.IsNullOrEmpty(chosen) ? null : chosen;
            }

            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return WebSocket.CreateFromStream(new ReadAheadStream(stream, ReadAheadSize), new WebSocketCreationOptions
            {
                IsServer = false,
                SubProtocol = chosen,
                KeepAliveInterval = WebSocket.DefaultKeepAliveInterval,
            });
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
