using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Kube.Access.Testing.Streaming.Spdy;

/// <summary>
/// How a SPDY session reaches the emulator: the plain HTTP/1.1 upgrade (<c>Upgrade: SPDY/3.1</c>,
/// protocol chosen from <c>X-Stream-Protocol-Version</c>) or a WebSocket whose subprotocol is
/// <c>SPDY/3.1+</c> followed by the streaming protocol, each binary message carrying SPDY bytes
/// (Kubernetes' tunnelling, kubectl port-forward's first choice).
/// </summary>
internal static class SpdyTransport
{
    public const string Upgrade = "SPDY/3.1";
    public const string TunnelPrefix = "SPDY/3.1+";
    public const string ProtocolHeader = "X-Stream-Protocol-Version";

    /// <summary>True for a request asking to upgrade to SPDY/3.1.</summary>
    public static bool IsUpgrade(HttpContext context) =>
        context.Request.Headers.Upgrade.Any(v => v is not null && v.Contains(Upgrade, StringComparison.OrdinalIgnoreCase));

    /// <summary>The streaming protocols a WebSocket request offers tunnelled over SPDY (prefix removed), in its order.</summary>
    public static List<string> TunnelledProtocols(HttpContext context) =>
        context.WebSockets.IsWebSocketRequest
            ? context.WebSockets.WebSocketRequestedProtocols
                .Where(p => p.StartsWith(TunnelPrefix, StringComparison.Ordinal))
                .Select(p => p[TunnelPrefix.Length..])
                .ToList()
            : [];

    /// <summary>The protocols of <c>X-Stream-Protocol-Version</c> (repeated and/or comma separated), in the client's order.</summary>
    public static List<string> OfferedProtocols(HttpContext context) =>
        context.Request.Headers[ProtocolHeader]
            .SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .ToList();

    /// <summary>
    /// The first offered protocol the server supports ("" when the client offered none, which the
    /// kubelet accepts for old clients); null when none matches.
    /// </summary>
    public static string? Negotiate(IReadOnlyList<string> offered, IReadOnlyList<string> supported) =>
        offered.Count == 0 ? string.Empty : offered.FirstOrDefault(p => supported.Contains(p, StringComparer.Ordinal));

    /// <summary>The kubelet's refusal when no protocol matches (403).</summary>
    public static Task RefuseAsync(HttpContext context, IReadOnlyList<string> offered, IReadOnlyList<string> supported) =>
        StatusResponses.WriteAsync(context, 403, "Forbidden",
            $"unable to upgrade: unable to negotiate protocol: client supports {Go(offered)}, server supports {Go(supported)}");

    private static string Go(IReadOnlyList<string> list) => "[" + string.Join(' ', list) + "]";

    /// <summary>
    /// Switches the connection to SPDY: <c>101 Switching Protocols</c> with <c>Upgrade: SPDY/3.1</c>
    /// and the negotiated protocol; returns the raw connection, or null (after a 400) when the
    /// request cannot be upgraded.
    /// </summary>
    public static async Task<Stream?> AcceptUpgradeAsync(HttpContext context, string protocol)
    {
        var feature = context.Features.Get<IHttpUpgradeFeature>();
        if (feature is null || !feature.IsUpgradableRequest)
        {
            await StatusResponses.BadRequestAsync(context, "unable to upgrade connection: the request cannot be upgraded (HTTP/1.1 with Connection: Upgrade is required for SPDY/3.1)").ConfigureAwait(false);
            return null;
        }

        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = Upgrade;
        if (protocol.Length > 0)
        {
            context.Response.Headers[ProtocolHeader] = protocol;
        }

        return await feature.UpgradeAsync().ConfigureAwait(false);
    }

    /// <summary>Accepts the WebSocket tunnel for <paramref name="protocol"/> (answering its prefixed subprotocol).</summary>
    public static async Task<Stream> AcceptTunnelAsync(HttpContext context, string protocol)
    {
        // "SPDY/3.1+..." is what Kubernetes names the subprotocol, but '/' is not a token character to
        // .NET's WebSocket (it refuses it as the socket's SubProtocol), so the header is written here.
        context.Response.Headers.SecWebSocketProtocol = TunnelPrefix + protocol;
        var ws = await context.WebSockets.AcceptWebSocketAsync((string?)null).ConfigureAwait(false);
        return new WebSocketByteStream(ws);
    }

    /// <summary>A WebSocket as a byte stream: binary messages' payloads concatenated; each write one binary message.</summary>
    private sealed class WebSocketByteStream(WebSocket socket) : Stream
    {
        private bool _closeSent;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CloseOutputAsync().ConfigureAwait(false);
                    return 0;
                }

                if (result.Count > 0 || buffer.IsEmpty)
                {
                    return result.Count;
                }
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            socket.SendAsync(buffer, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private async ValueTask CloseOutputAsync()
        {
            if (_closeSent)
            {
                return;
            }

            _closeSent = true;
            try
            {
                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
            {
                // Gone already.
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await CloseOutputAsync().ConfigureAwait(false);
            socket.Dispose();
            await base.DisposeAsync().ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                socket.Dispose();
            }

            base.Dispose(disposing);
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
