using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kube.Access.PortForward.Tests;

/// <summary>One WebSocket frame a client sent (payload unmasked; only the first 16 bytes kept).</summary>
/// <param name="Opcode">1 text, 2 binary, 8 close, 9 ping, 10 pong.</param>
/// <param name="Length">The payload length.</param>
/// <param name="Head">The first bytes of the payload.</param>
public sealed record SniffedFrame(int Opcode, long Length, byte[] Head);

/// <summary>
/// A loopback TCP relay in front of the emulator that passes every byte through unchanged and decodes the
/// WebSocket frames clients send once a connection has been upgraded (HTTP/1.1 requests before it are skipped).
/// </summary>
public sealed class WebSocketFrameSniffer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly Task _accept;
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WebSocketFrameSniffer(IPEndPoint upstream)
    {
        _upstream = upstream;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}/");
        _accept = AcceptAsync();
    }

    public Uri Url { get; }

    public ConcurrentQueue<SniffedFrame> ClientFrames { get; } = new();

    /// <summary>Waits until <paramref name="condition"/> holds over the frames seen so far.</summary>
    public async Task WaitForAsync(Func<IReadOnlyCollection<SniffedFrame>, bool> condition, CancellationToken ct)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition(ClientFrames.ToArray()))
            {
                return;
            }

            await changed.WaitAsync(ct);
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var c = client;
        _sockets.Add(client);
        _sockets.Add(upstream);
        try
        {
            await upstream.ConnectAsync(_upstream, _stop.Token);
            var down = CopyAsync(upstream, client, null);
            var up = CopyAsync(client, upstream, new FrameParser(this));
            await Task.WhenAny(down, up);
        }
        catch (Exception)
        {
            // A relay ends when either side does.
        }
    }

    private async Task CopyAsync(Socket from, Socket to, FrameParser? parser)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
            {
                parser?.Feed(buffer.AsSpan(0, n));
                var sent = 0;
                while (sent < n)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None, _stop.Token);
                }
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            // Closed.
        }
    }

    private void Record(SniffedFrame frame)
    {
        ClientFrames.Enqueue(frame);
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        await _accept;
        _stop.Dispose();
    }

    /// <summary>HTTP/1.1 requests (skipped) until an upgrade, then RFC 6455 client frames.</summary>
    private sealed class FrameParser(WebSocketFrameSniffer owner)
    {
        private readonly List<byte> _pending = [];
        private bool _webSocket;
        private long _skipBody;

        public void Feed(ReadOnlySpan<byte> data)
        {
            foreach (var b in data)
            {
                _pending.Add(b);
            }

            while (_webSocket ? TryFrame() : TryRequest())
            {
            }
        }

        private bool TryRequest()
        {
            if (_skipBody > 0)
            {
                var skip = (int)Math.Min(_skipBody, _pending.Count);
                _pending.RemoveRange(0, skip);
                _skipBody -= skip;
                return skip > 0;
            }

            var text = Encoding.Latin1.GetString(_pending.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                return false;
            }

            var head = text[..end];
            _pending.RemoveRange(0, end + 4);
            var lines = head.Split("\r\n");
            _webSocket = lines.Any(l => l.StartsWith("upgrade:", StringComparison.OrdinalIgnoreCase) && l.Contains("websocket", StringComparison.OrdinalIgnoreCase));
            var length = lines.FirstOrDefault(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase));
            _skipBody = length is null ? 0 : long.Parse(length["content-length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            return true;
        }

        private bool TryFrame()
        {
            if (_pending.Count < 2)
            {
                return false;
            }

            var opcode = _pending[0] & 0x0F;
            var masked = (_pending[1] & 0x80) != 0;
            long length = _pending[1] & 0x7F;
            var offset = 2;
            if (length == 126)
            {
                if (_pending.Count < 4)
                {
                    return false;
                }

                length = (_pending[2] << 8) | _pending[3];
                offset = 4;
            }
            else if (length == 127)
            {
                if (_pending.Count < 10)
                {
                    return false;
                }

                length = 0;
                for (var i = 0; i < 8; i++)
                {
                    length = (length << 8) | _pending[2 + i];
                }

                offset = 10;
            }

            var maskOffset = offset;
            if (masked)
            {
                offset += 4;
            }

            if (_pending.Count < offset + length)
            {
                return false;
            }

            var head = new byte[Math.Min(16, length)];
            for (var i = 0; i < head.Length; i++)
            {
                head[i] = (byte)(_pending[offset + i] ^ (masked ? _pending[maskOffset + (i % 4)] : 0));
            }

            _pending.RemoveRange(0, offset + (int)length);
            owner.Record(new SniffedFrame(opcode, length, head));
            return true;
        }
    }
}
