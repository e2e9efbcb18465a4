using System.Net;
using System.Net.Sockets;
using k8s;

namespace Kube.Access.Benchmarks.PortForward;

/// <summary>A loopback echo server (pooled 64 KiB buffer per connection).</summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;

    public EchoServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accept = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket peer;
            try
            {
                peer = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            peer.NoDelay = true;
            _ = Task.Run(async () =>
            {
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
                try
                {
                    int n;
                    while ((n = await peer.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, _stop.Token)) > 0)
                    {
                        await peer.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                    }

                    peer.Shutdown(SocketShutdown.Send);
                }
                catch (Exception)
                {
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                    peer.Dispose();
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accept;
    }
}

/// <summary>The ceiling: a plain in-process TCP relay (local listener -> target endpoint), two copy loops per connection.</summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;

    public TcpRelay(IPEndPoint target)
    {
        _target = target;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accept = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

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
                using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await upstream.ConnectAsync(_target, _stop.Token);
                    await using var a = new NetworkStream(c, ownsSocket: false);
                    await using var b = new NetworkStream(upstream, ownsSocket: false);
                    var up = Task.Run(async () => { await a.CopyToAsync(b, 64 * 1024, _stop.Token); upstream.Shutdown(SocketShutdown.Send); });
                    await b.CopyToAsync(a, 64 * 1024, _stop.Token);
                    c.Shutdown(SocketShutdown.Send);
                    await up;
                }
                catch (Exception)
                {
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accept;
    }
}

/// <summary>
/// KubernetesClient as its port-forward example uses it: a local listener; per accepted connection
/// <c>WebSocketNamespacedPodPortForwardAsync</c> + <c>StreamDemuxer</c> (StreamType.PortForward) and the
/// stream of channel 0, copied both ways (async copies here, fairer than the example's blocking ones).
/// </summary>
internal sealed class KubernetesClientForwarder : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IKubernetes _client;
    private readonly string _pod;
    private readonly int _port;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;

    public KubernetesClientForwarder(IKubernetes client, string pod, int port)
    {
        _client = client;
        _pod = pod;
        _port = port;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accept = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

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
                    using var ws = await _client.WebSocketNamespacedPodPortForwardAsync(_pod, "default", [_port], "v4.channel.k8s.io", cancellationToken: _stop.Token);
                    using var demux = new StreamDemuxer(ws, StreamType.PortForward);
                    demux.Start();
                    using var stream = demux.GetStream((byte?)0, (byte?)0);
                    // As its port-forward example: one blocking thread per direction. Its muxed stream implements
                    // only the blocking Read/Write; the inherited ReadAsync/WriteAsync share one semaphore, so an
                    // async read waiting for data blocks the async write that would produce it (with async copies
                    // the first 16 MiB transfer finished, the next ones deadlocked).
                    var up = Task.Factory.StartNew(() =>
                    {
                        var buffer = new byte[4096];
                        int n;
                        while ((n = c.Receive(buffer)) > 0)
                        {
                            stream.Write(buffer, 0, n);
                        }
                    }, _stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                    var down = Task.Factory.StartNew(() =>
                    {
                        var buffer = new byte[4096];
                        int n;
                        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                        {
                            c.Send(buffer.AsSpan(0, n));
                        }
                    }, _stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);

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
                catch (Exception)
                {
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accept;
    }
}
