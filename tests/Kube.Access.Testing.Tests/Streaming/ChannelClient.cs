using System.Net.WebSockets;

namespace Kube.Access.Testing.Tests.Streaming;

/// <summary>A frame-by-frame client of the Kubernetes WebSocket channel protocol, written for the tests.</summary>
internal sealed class ChannelClient : IAsyncDisposable
{
    private readonly byte[] _buffer = new byte[1024 * 1024];

    private ChannelClient(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    public static ChannelClient Wrap(ClientWebSocket socket) => new(socket);

    public static async Task<ChannelClient> ConnectAsync(Uri uri, string protocol, CancellationToken ct, string? bearer = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(protocol);
        if (bearer is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
        }

        await socket.ConnectAsync(uri, ct);
        return new ChannelClient(socket);
    }

    /// <summary>Connects and expects the upgrade to fail: returns the HTTP status code.</summary>
    public static async Task<int> RejectedStatusAsync(Uri uri, string protocol, CancellationToken ct)
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(protocol);
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(uri, ct);
        }
        catch (WebSocketException)
        {
            return (int)socket.HttpStatusCode;
        }

        throw new InvalidOperationException("The upgrade unexpectedly succeeded.");
    }

    public Task SendAsync(byte channel, ReadOnlySpan<byte> payload, CancellationToken ct)
    {
        var frame = new byte[payload.Length + 1];
        frame[0] = channel;
        payload.CopyTo(frame.AsSpan(1));
        return Socket.SendAsync(frame, WebSocketMessageType.Binary, true, ct);
    }

    /// <summary>The next whole message as (channel, payload), or null when the server closed.</summary>
    public async Task<(byte Channel, byte[] Payload)?> ReceiveAsync(CancellationToken ct)
    {
        var count = 0;
        while (true)
        {
            var result = await Socket.ReceiveAsync(_buffer.AsMemory(count), ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            count += result.Count;
            if (result.EndOfMessage)
            {
                break;
            }
        }

        if (count == 0)
        {
            throw new InvalidOperationException("A message without a channel byte.");
        }

        return (_buffer[0], _buffer.AsSpan(1, count - 1).ToArray());
    }

    /// <summary>Reads every message until the close, grouped by channel.</summary>
    public async Task<Dictionary<byte, MemoryStream>> ReadToCloseAsync(CancellationToken ct)
    {
        var channels = new Dictionary<byte, MemoryStream>();
        while (await ReceiveAsync(ct) is { } frame)
        {
            if (!channels.TryGetValue(frame.Channel, out var stream))
            {
                channels[frame.Channel] = stream = new MemoryStream();
            }

            stream.Write(frame.Payload);
        }

        return channels;
    }

    public async ValueTask DisposeAsync()
    {
        if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
            catch (Exception)
            {
            }
        }

        Socket.Dispose();
    }
}
