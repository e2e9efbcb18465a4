using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kube.Access.TestSupport;

/// <summary>One request a <see cref="LoopbackHttpProxy"/> handled (the first of each client connection).</summary>
/// <param name="Method">CONNECT for a tunnel, else the forwarded request's method.</param>
/// <param name="Target">The request target: <c>host:port</c> for CONNECT, the absolute URL otherwise.</param>
/// <param name="Authorized">Whether it carried the expected Proxy-Authorization (always true when none is required).</param>
public sealed record ProxiedRequest(string Method, string Target, bool Authorized);

/// <summary>
/// A recording HTTP proxy on 127.0.0.1 for tests: CONNECT tunnels and absolute-form requests (WebSocket upgrades
/// included), optionally demanding Basic credentials with a 407 challenge. Whatever host a client names, the proxy
/// connects to the loopback address at the named port, so a test can reach the emulator under a cluster name such as
/// <c>kubernetes.default.svc</c> without any DNS lookup (and no traffic ever leaves loopback).
/// </summary>
public sealed class LoopbackHttpProxy : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ProxiedRequest> _requests = new();
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly string? _expectedAuthorization;
    private readonly Task _accepting;

    /// <summary>Starts the proxy.</summary>
    /// <param name="user">When set (with <paramref name="password"/>), requests without these Basic credentials get a 407.</param>
    /// <param name="password">The password that goes with <paramref name="user"/>.</param>
    public LoopbackHttpProxy(string? user = null, string? password = null)
    {
        if (user is not null)
        {
            _expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        }

        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy's URL (<c>http://127.0.0.1:port</c>).</summary>
    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}");

    /// <summary>Every request handled so far, in arrival order (407-challenged attempts included).</summary>
    public IReadOnlyList<ProxiedRequest> Requests => [.. _requests];

    /// <summary>Stops accepting and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptAsync(_stop.Token);
            _sockets.Add(client);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        try
        {
            var buffer = new byte[64 * 1024];
            var filled = 0;
            while (true)
            {
                // One request head (the connection may carry a retry after a 407).
                int headEnd;
                while ((headEnd = IndexOfHeadEnd(buffer.AsSpan(0, filled))) < 0)
                {
                    if (filled == buffer.Length)
                    {
                        return;
                    }

                    var n = await client.ReceiveAsync(buffer.AsMemory(filled), _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    filled += n;
                }

                var head = Encoding.ASCII.GetString(buffer, 0, headEnd);
                var lines = head.Split("\r\n");
                var parts = lines[0].Split(' ');
                if (parts.Length != 3)
                {
                    await SendAsync(client, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    return;
                }

                var (method, target) = (parts[0], parts[1]);
                var authorization = lines.Skip(1)
                    .Where(l => l.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase))
                    .Select(l => l["Proxy-Authorization:".Length..].Trim())
                    .FirstOrDefault();
                var authorized = _expectedAuthorization is null || authorization == _expectedAuthorization;
                _requests.Enqueue(new ProxiedRequest(method, target, authorized));
                if (!authorized)
                {
                    await SendAsync(client, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"loopback-proxy\"\r\nContent-Length: 0\r\n\r\n");
                    Buffer.BlockCopy(buffer, headEnd, buffer, 0, filled - headEnd);
                    filled -= headEnd;
                    continue;
                }

                int port;
                if (method == "CONNECT")
                {
                    port = int.Parse(target[(target.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (Uri.TryCreate(target, UriKind.Absolute, out var url))
                {
                    port = url.Port;
                }
                else
                {
                    await SendAsync(client, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    return;
                }

                using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                _sockets.Add(upstream);
                try
                {
                    await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), _stop.Token);
                }
                catch (SocketException)
                {
                    await SendAsync(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    return;
                }

                if (method == "CONNECT")
                {
                    await SendAsync(client, "HTTP/1.1 200 Connection established\r\n\r\n");
                    if (filled > headEnd)
                    {
                        await upstream.SendAsync(buffer.AsMemory(headEnd, filled - headEnd), SocketFlags.None, _stop.Token);
                    }
                }
                else
                {
                    // Absolute-form is valid for an origin server too (RFC 9112 3.2.2): pass the request on as it came.
                    await upstream.SendAsync(buffer.AsMemory(0, filled), SocketFlags.None, _stop.Token);
                }

                await Task.WhenAll(RelayAsync(client, upstream), RelayAsync(upstream, client));
                return;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    private async Task RelayAsync(Socket from, Socket to)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            from.Dispose();
            to.Dispose();
        }
    }

    private async Task SendAsync(Socket socket, string text) =>
        await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, _stop.Token);

    private static int IndexOfHeadEnd(ReadOnlySpan<byte> data)
    {
        var index = data.IndexOf("\r\n\r\n"u8);
        return index < 0 ? -1 : index + 4;
    }
}
