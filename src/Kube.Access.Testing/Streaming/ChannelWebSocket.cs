using System.Buffers;
using System.Net.WebSockets;

namespace Kube.Access.Testing.Streaming;

/// <summary>
/// Server side of the Kubernetes WebSocket channel protocol (binary frames whose first byte
/// names the channel). Sends are serialised; payload buffers are pooled.
/// </summary>
internal sealed class ChannelWebSocket
{
    /// <summary>Size of the pooled frame buffers (one header byte plus payload).</summary>
    public const int FrameSize = 32 * 1024 + 1;

    /// <summary>How long the server waits for the client's close frame after its own before dropping the connection.</summary>
    public static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(3);

    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private bool _closed;

    private readonly CancellationToken _abortToken;

    public ChannelWebSocket(WebSocket socket) => Socket = socket;

    /// <summary>
    /// A channel socket whose operations given <paramref name="abortToken"/> run uncancellable (the
    /// WebSocket's cheaper path, no registration per frame): the token aborts the socket instead.
    /// </summary>
    public ChannelWebSocket(WebSocket socket, CancellationToken abortToken)
    {
        Socket = socket;
        _abortToken = abortToken;
        abortToken.UnsafeRegister(static s => ((WebSocket)s!).Abort(), socket);
    }

    private CancellationToken ForSocket(CancellationToken ct) => ct == _abortToken ? CancellationToken.None : ct;

    /// <summary>The underlying WebSocket.</summary>
    public WebSocket Socket { get; }

    /// <summary>
    /// Sends one frame whose first byte is already the channel number (no copy).
    /// Returns false when the socket can no longer send.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> SendFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_closed || Socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            {
                return false;
            }

            await Socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, ForSocket(ct)).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a payload on a channel (copied into a pooled frame).</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> SendAsync(byte channel, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        var frame = ArrayPool<byte>.Shared.Rent(payload.Length + 1);
        try
        {
            frame[0] = channel;
            payload.Span.CopyTo(frame.AsSpan(1));
            return await SendFrameAsync(frame.AsMemory(0, payload.Length + 1), ct).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>Closes the connection with a normal closure (once).</summary>
    public async ValueTask CloseAsync(CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer is gone already.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Reads messages until the peer closes, handing each payload piece to
    /// <paramref name="onData"/> with its channel (a message larger than the buffer arrives in
    /// several pieces with the same channel). The callback's completion is awaited before the
    /// next read, so a slow consumer slows the peer (back-pressure).
    /// </summary>
    public async Task ReceiveAsync(Func<byte, ReadOnlyMemory<byte>, ValueTask> onData, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(FrameSize);
        try
        {
            var atMessageStart = true;
            var channel = (byte)0;
            while (true)
            {
                ValueWebSocketReceiveResult result;
                try
                {
                    result = await Socket.ReceiveAsync(buffer.AsMemory(), ForSocket(ct)).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
                {
                    return;
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var data = buffer.AsMemory(0, result.Count);
                if (atMessageStart)
                {
                    if (data.IsEmpty)
                    {
                        atMessageStart = result.EndOfMessage;
                        continue;
                    }

                    channel = data.Span[0];
                    data = data[1..];
                    atMessageStart = false;
                }

                if (!data.IsEmpty || result.EndOfMessage)
                {
                    await onData(channel, data).ConfigureAwait(false);
                }

                atMessageStart = result.EndOfMessage;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
