using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace Kube.Access.Tests.Channels;

/// <summary>Two real WebSockets talking over a loopback TCP connection (client side masks, server side does not).</summary>
internal sealed class WebSocketPair : IAsyncDisposable
{
    private readonly Socket _clientSocket;
    private readonly Socket _serverSocket;

    private WebSocketPair(Socket clientSocket, Socket serverSocket, string? subProtocol)
    {
        _clientSocket = clientSocket;
        _serverSocket = serverSocket;
        Client = WebSocket.CreateFromStream(new NetworkStream(clientSocket, ownsSocket: true), new WebSocketCreationOptions { IsServer = false, SubProtocol = subProtocol, KeepAliveInterval = TimeSpan.Zero });
        Server = WebSocket.CreateFromStream(new NetworkStream(serverSocket, ownsSocket: true), new WebSocketCreationOptions { IsServer = true, SubProtocol = subProtocol, KeepAliveInterval = TimeSpan.Zero });
    }

    public WebSocket Client { get; }

    public WebSocket Server { get; }

    public static async Task<WebSocketPair> CreateAsync(string? subProtocol = "v4.channel.k8s.io")
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await accept;
        server.NoDelay = true;
        return new WebSocketPair(client, server, subProtocol);
    }

    /// <summary>Drops the TCP connection under the server WebSocket without a close frame.</summary>
    public void KillServerTransport()
    {
        _serverSocket.Close(0);
    }

    /// <summary>Reads one whole message on the server side.</summary>
    public async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        using var ms = new MemoryStream();
        while (true)
        {
            var r = await Server.ReceiveAsync(buffer.AsMemory(), ct);
            ms.Write(buffer, 0, r.Count);
            if (r.EndOfMessage || r.MessageType == WebSocketMessageType.Close)
            {
                return (r.MessageType, ms.ToArray());
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        Server.Dispose();
        _clientSocket.Dispose();
        _serverSocket.Dispose();
        return ValueTask.CompletedTask;
    }
}
