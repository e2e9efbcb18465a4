using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using k8s.Models;

namespace Kube.Access.Testing.Streaming.Spdy;

/// <summary>
/// <c>pods/{name}/portforward</c> over SPDY, as the kubelet serves it: for every forwarded
/// connection the client opens an error stream and a data stream that share a <c>requestID</c>
/// and name the <c>port</c>; the server answers both, connects to the pod's port and relays bytes
/// (half-closes pass through); a failure is written as text on the error stream.
/// </summary>
internal static class SpdyPortForward
{
    /// <summary>The SPDY port-forward protocol.</summary>
    public const string Protocol = "portforward.k8s.io";

    /// <summary>Serves one session until the client closes it.</summary>
    public static async Task ServeAsync(Stream transport, V1Pod pod, PodPortBindings bindings, CancellationToken ct)
    {
        var ns = pod.Metadata?.NamespaceProperty ?? "default";
        var name = pod.Metadata?.Name ?? string.Empty;
        var sandbox = PortForwardHandler.SandboxId(pod);
        var pairs = new Dictionary<string, (SpdyStream? Data, SpdyStream? Error)>(StringComparer.Ordinal);
        var forwards = new ConcurrentDictionary<Task, bool>();
        await using var session = new SpdySession(transport, async stream =>
        {
            var type = stream.Header("streamtype");
            if (type is not ("data" or "error"))
            {
                await stream.ResetAsync(SpdyRstStatus.ProtocolError).ConfigureAwait(false);
                return;
            }

            await stream.ReplyAsync().ConfigureAwait(false);
            // Old clients send no requestID: the kubelet pairs data stream N with error stream N-2.
            var requestId = stream.Header("requestid") ?? (type == "data" ? (stream.Id - 2) : stream.Id).ToString(CultureInfo.InvariantCulture);
            (SpdyStream? Data, SpdyStream? Error) pair;
            lock (pairs)
            {
                pairs.TryGetValue(requestId, out pair);
                pair = type == "data" ? (stream, pair.Error) : (pair.Data, stream);
                if (pair.Data is null || pair.Error is null)
                {
                    pairs[requestId] = pair;
                    return;
                }

                pairs.Remove(requestId);
            }

            var forward = Task.Run(() => ForwardAsync(pair.Data, pair.Error, ns, name, sandbox, bindings, ct), CancellationToken.None);
            forwards[forward] = true;
            _ = forward.ContinueWith(t => forwards.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        });

        await session.RunAsync(ct).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(forwards.Keys).WaitAsync(ChannelWebSocket.CloseGrace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Forwards whose backends hang end with the pod's bindings.
        }
    }

    private static async Task ForwardAsync(SpdyStream data, SpdyStream error, string ns, string pod, string sandbox, PodPortBindings bindings, CancellationToken ct)
    {
        Socket? socket = null;
        try
        {
            var portText = data.Header("port");
            if (!ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
            {
                await WriteErrorAsync(error, $"unable to parse \"{portText}\" as a port").ConfigureAwait(false);
                return;
            }

            var endPoint = bindings.Resolve(ns, pod, port);
            if (endPoint is not null)
            {
                socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(endPoint, ct).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    socket.Dispose();
                    socket = null;
                }
            }

            if (socket is null)
            {
                await WriteErrorAsync(error, PortForwardHandler.Refused(port, sandbox)).ConfigureAwait(false);
                return;
            }

            var up = ToBackendAsync(data, socket, ct);
            var down = FromBackendAsync(socket, data, ct);
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            socket?.Dispose();
            await data.CloseWriteAsync().ConfigureAwait(false);
            await error.CloseWriteAsync().ConfigureAwait(false);
        }
    }

    private static async Task WriteErrorAsync(SpdyStream error, string message)
    {
        try
        {
            await error.WriteAsync(Encoding.UTF8.GetBytes(message)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The client is gone.
        }
    }

    private static async Task ToBackendAsync(SpdyStream data, Socket socket, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(SpdySession.MaxDataPayload);
        try
        {
            while (true)
            {
                var n = await data.ReadAsync(buffer.AsMemory(0, SpdySession.MaxDataPayload), ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                await LoopbackServer.SendAllAsync(socket, buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The backend or the client went away.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task FromBackendAsync(Socket socket, SpdyStream data, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(SpdySession.MaxDataPayload);
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(0, SpdySession.MaxDataPayload), SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                await data.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The backend or the client went away.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            await data.CloseWriteAsync().ConfigureAwait(false);
        }
    }
}
