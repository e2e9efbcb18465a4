using System.Net;
using System.Net.Sockets;
using k8s;

namespace Kube.Access.Benchmarks.PortForward;

/// <summary>
/// A loopback listener that hands every accepted connection to <see cref="ServeAsync"/> on its own task;
/// disposing stops accepting and cancels the connections' token.
/// </summary>
internal abstract class LoopbackListener : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private Task _accept = Task.CompletedTask;

    protected LoopbackListener()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accept;
    }

    /// <summary>Starts accepting; derived constructors call it last, once their fields are set.</summary>
    protected void Start() => _accept = AcceptAsync();

    /// <summary>Serves one accepted connection; failures end that connection only. The socket is disposed afterwards.</summary>
    protected abstract Task ServeAsync(Socket client, CancellationToken stop);

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

            _ = Task.Run(async () =>
            {
                using var c = client;
                try
                {
                    await ServeAsync(c, _stop.Token);
                }
                catch (Exception)
                {
                    // A benchmark connection that fails shows up as a failed or slow operation on the client side.
                }
            });
        }
    }
}

/// <summary>A loopback echo server (pooled 64 KiB buffer per connection).</summary>
internal sealed class EchoServer : LoopbackListener
{
    public EchoServer() => Start();

    protected override async Task ServeAsync(Socket peer, CancellationToken stop)
    {
        peer.NoDelay = true;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int n;
            while ((n = await peer.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, stop)) > 0)
            {
                await peer.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, stop);
            }

            peer.Shutdown(SocketShutdown.Send);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>The ceiling: a plain in-process TCP relay (local listener -> target endpoint), two copy loops per connection.</summary>
internal sealed class TcpRelay : LoopbackListener
{
    private readonly IPEndPoint _target;

    public TcpRelay(IPEndPoint target)
    {
        _target = target;
        Start();
    }

    protected override async Task ServeAsync(Socket client, CancellationToken stop)
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await upstream.ConnectAsync(_target, stop);
        await using var a = new NetworkStream(client, ownsSocket: false);
        await using var b = new NetworkStream(upstream, ownsSocket: false);
        var up = Task.Run(async () => { await a.CopyToAsync(b, 64 * 1024, stop); upstream.Shutdown(SocketShutdown.Send); });
        await b.CopyToAsync(a, 64 * 1024, stop);
        client.Shutdown(SocketShutdown.Send);
        await up;
    }
}

/// <summary>
/// KubernetesClient as its port-forward example uses it: a local listener; per accepted connection
/// <c>WebSocketNamespacedPodPortForwardAsync</c> + <c>StreamDemuxer</c> (StreamType.PortForward) and the
/// stream of channel 0, copied both ways by one blocking thread per direction, as the example does.
/// </summary>
internal sealed class KubernetesClientForwarder : LoopbackListener
{
    private readonly IKubernetes _client;
    private readonly string _pod;
    private readonly int _port;

    public KubernetesClientForwarder(IKubernetes client, string pod, int port)
    {
        _client = client;
        _pod = pod;
        _port = port;
        Start();
    }

    protected override async Task ServeAsync(Socket client, CancellationToken stop)
    {
        using var ws = await _client.WebSocketNamespacedPodPortForwardAsync(_pod, "default", [_port], "v4.channel.k8s.io", cancellationToken: stop);
        using var demux = new StreamDemuxer(ws, StreamType.PortForward);
        demux.Start();
        using var stream = demux.GetStream((byte?)0, (byte?)0);
        // Its muxed stream implements only the blocking Read/Write; the inherited ReadAsync/WriteAsync share one
        // semaphore, so an async read waiting for data blocks the async write that would produce it (with async
        // copies the first 16 MiB transfer finished, the next ones deadlocked).
        var up = Task.Factory.StartNew(() =>
        {
            var buffer = new byte[4096];
            int n;
            while ((n = client.Receive(buffer)) > 0)
            {
                stream.Write(buffer, 0, n);
            }
        }, stop, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var down = Task.Factory.StartNew(() =>
        {
            var buffer = new byte[4096];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                client.Send(buffer.AsSpan(0, n));
            }
        }, stop, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // The load driver closes its side after reading every echoed byte: then the WebSocket goes.
        await up;
        ws.Abort();
        try
        {
            await down;
        }
        catch (Exception)
        {
            // The abort ends the blocked read.
        }
    }
}
