using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using Kube.Access.Channels;
using Xunit;

namespace Kube.Access.Tests.Connections;

/// <summary>
/// The WebSocket opening handshake the connection does itself (RFC 6455 section 4), against a raw TCP server
/// that answers exactly what each test needs, including answers a real API server would never give.
/// </summary>
public sealed class WebSocketUpgradeTests
{
    private static readonly string[] Offered = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

    [Fact]
    public async Task The_request_carries_the_handshake_headers_and_bytes_sent_with_the_101_are_the_first_frame()
    {
        // The server's first frame travels in the same TCP write as its 101 headers: nothing may be lost
        // between the HTTP response and the WebSocket framing.
        await using var server = new RawUpgradeServer((key, _) =>
            Response101(Accept(key), "v4.channel.k8s.io") + "\u0082\u0003\u0001\u0002\u0003");
        await using var connection = Connect(server);

        using var socket = await connection.ConnectWebSocketAsync("api/v1/namespaces/default/pods/p/exec?command=ls", Offered, CancellationToken.None);

        socket.SubProtocol.Should().Be("v4.channel.k8s.io");
        var buffer = new byte[16];
        var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
        result.MessageType.Should().Be(WebSocketMessageType.Binary);
        buffer.AsSpan(0, result.Count).ToArray().Should().Equal(1, 2, 3);

        var request = server.Requests.Should().ContainSingle().Subject;
        request.Should().StartWith("GET /api/v1/namespaces/default/pods/p/exec?command=ls HTTP/1.1\r\n");
        request.Should().ContainEquivalentOf("\r\nUpgrade: websocket\r\n");
        request.Should().MatchRegex("(?i)\r\nConnection: [^\r]*upgrade");
        request.Should().Contain("\r\nSec-WebSocket-Version: 13\r\n");
        request.Should().Contain("\r\nSec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\r\n");
        Convert.FromBase64String(KeyOf(request)).Should().HaveCount(16);
    }

    [Fact]
    public async Task A_101_whose_accept_does_not_match_the_key_is_refused_naming_the_header()
    {
        await using var server = new RawUpgradeServer((_, _) => Response101(Convert.ToBase64String(new byte[20]), "v5.channel.k8s.io"));
        await using var connection = Connect(server);

        var act = async () => await connection.ConnectWebSocketAsync("api/v1/x", Offered, CancellationToken.None);

        (await act.Should().ThrowAsync<KubeConnectionException>()).Which.Message.Should().Contain("Sec-WebSocket-Accept").And.Contain("api/v1/x");
    }

    [Fact]
    public async Task A_subprotocol_that_was_not_offered_is_refused_naming_it()
    {
        await using var server = new RawUpgradeServer((key, _) => Response101(Accept(key), "v9.channel.k8s.io"));
        await using var connection = Connect(server);

        var act = async () => await connection.ConnectWebSocketAsync("api/v1/x", Offered, CancellationToken.None);

        (await act.Should().ThrowAsync<KubeConnectionException>()).Which.Message.Should().Contain("'v9.channel.k8s.io'").And.Contain("not offered");
    }

    [Fact]
    public async Task A_101_that_upgrades_to_something_else_is_refused()
    {
        await using var server = new RawUpgradeServer((key, _) =>
            $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {Accept(key)}\r\n\r\n");
        await using var connection = Connect(server);

        var act = async () => await connection.ConnectWebSocketAsync("api/v1/x", Offered, CancellationToken.None);

        (await act.Should().ThrowAsync<KubeConnectionException>()).Which.Message.Should().Contain("'h2c'");
    }

    [Fact]
    public async Task A_refused_upgrade_is_a_KubeApiException_with_the_servers_status_text()
    {
        const string body = """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"p\" is forbidden","reason":"Forbidden","code":403}""";
        await using var server = new RawUpgradeServer((_, _) =>
            $"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
        await using var connection = Connect(server);

        var act = async () => await connection.ConnectWebSocketAsync("api/v1/x", Offered, CancellationToken.None);

        var error = (await act.Should().ThrowAsync<KubeApiException>()).Which;
        error.StatusCode.Should().Be(403);
        error.Message.Should().Contain("pods \"p\" is forbidden");
    }

    [Fact]
    public async Task Opening_channels_maps_a_refused_upgrade_with_the_callers_mapping()
    {
        await using var server = new RawUpgradeServer((_, _) => "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        await using var connection = Connect(server);

        var act = async () => await WebSocketChannels.OpenAsync(
            connection, "api/v1/x", Offered, WebSocketChannelOptions.Default, e => new InvalidOperationException("refused", e), null, CancellationToken.None);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.InnerException.Should().BeOfType<KubeApiException>().Which.StatusCode.Should().Be(403);
    }

    [Fact]
    public async Task Opening_channels_disposes_the_socket_when_the_framing_cannot_start()
    {
        await using var server = new RawUpgradeServer((key, _) => Response101(Accept(key), "v4.channel.k8s.io"));
        await using var connection = Connect(server);
        var invalid = new WebSocketChannelOptions { MaxBufferedBytesPerChannel = 1 };

        var act = async () => await WebSocketChannels.OpenAsync(connection, "api/v1/x", Offered, invalid, e => e, null, CancellationToken.None);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>();
        (await server.LastClientClosedAsync()).Should().BeTrue("the WebSocket (and its TCP connection) is disposed when the framing does not start");
    }

    private static KubeConnection Connect(RawUpgradeServer server) =>
        new(new KubeEndpoint { Server = server.Url, Credentials = new StaticCredentialSource(KubeCredential.FromToken("t")) });

    private static string Response101(string accept, string protocol) =>
        $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: {protocol}\r\n\r\n";

    private static string Accept(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    private static string KeyOf(string request)
    {
        const string header = "\r\nSec-WebSocket-Key: ";
        var start = request.IndexOf(header, StringComparison.OrdinalIgnoreCase) + header.Length;
        return request[start..request.IndexOf('\r', start)];
    }

    /// <summary>Accepts connections on 127.0.0.1, reads one request head each and writes back what the test's function returns (Latin-1 bytes).</summary>
    private sealed class RawUpgradeServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Func<string, string, string> _respond;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _clients = [];
        private readonly Task _loop;

        public RawUpgradeServer(Func<string, string, string> respond)
        {
            _respond = respond;
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
            _loop = AcceptAsync();
        }

        public Uri Url { get; }

        public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                lock (_clients)
                {
                    _clients.Add(client);
                }

                var stream = client.GetStream();
                var head = new StringBuilder();
                var buffer = new byte[4096];
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        break;
                    }

                    head.Append(Encoding.Latin1.GetString(buffer, 0, n));
                }

                var request = head.ToString();
                Requests.Enqueue(request);
                await stream.WriteAsync(Encoding.Latin1.GetBytes(_respond(KeyOf(request), request)), _stop.Token);
            }
        }

        /// <summary>Reads the last accepted connection to its end: true when the client closed it (EOF or reset), false when it stayed open for 30 s.</summary>
        public async Task<bool> LastClientClosedAsync()
        {
            TcpClient client;
            lock (_clients)
            {
                client = _clients[^1];
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var buffer = new byte[4096];
            try
            {
                while (await client.GetStream().ReadAsync(buffer, wait.Token) > 0)
                {
                }

                return true;
            }
            catch (IOException)
            {
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            lock (_clients)
            {
                _clients.ForEach(c => c.Dispose());
            }

            await _loop;
            _stop.Dispose();
        }
    }
}
