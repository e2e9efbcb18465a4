using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace Kube.Access.Testing.Streaming;

/// <summary>
/// <c>pods/{name}/portforward</c> over WebSocket, as the kubelet serves it: for the i-th port of
/// <c>?ports=</c>, data on channel 2i and errors on channel 2i+1, each opening with the port as
/// two little-endian bytes; data relayed to the port's loopback binding.
/// </summary>
internal sealed class PortForwardHandler
{
    /// <summary>The WebSocket subprotocols served (binary channel framing).</summary>
    public static readonly string[] Protocols = ["v4.channel.k8s.io", "portforward.k8s.io", "channel.k8s.io"];

    private readonly IStreamingCluster _cluster;
    private readonly PodPortBindings _bindings;

    public PortForwardHandler(IStreamingCluster cluster, PodPortBindings bindings)
    {
        _cluster = cluster;
        _bindings = bindings;
    }

    /// <summary>Serves one port-forward request.</summary>
    public async Task HandleAsync(HttpContext context, string @namespace, string podName)
    {
        var pod = _cluster.GetPod(@namespace, podName);
        if (pod is null)
        {
            await StatusResponses.NotFoundAsync(context, "pods", podName).ConfigureAwait(false);
            return;
        }

        if (await PodGate.RejectUnlessRunningAsync(context, pod).ConfigureAwait(false))
        {
            return;
        }

        // SPDY (kubectl): the ports travel in each stream's headers, not in the query.
        if (Spdy.SpdyTransport.IsUpgrade(context))
        {
            await ServeSpdyUpgradeAsync(context, pod).ConfigureAwait(false);
            return;
        }

        if (Spdy.SpdyTransport.Negotiate(Spdy.SpdyTransport.TunnelledProtocols(context), [Spdy.SpdyPortForward.Protocol]) is { Length: > 0 } tunnelled)
        {
            var tunnel = await Spdy.SpdyTransport.AcceptTunnelAsync(context, tunnelled).ConfigureAwait(false);
            await using (tunnel.ConfigureAwait(false))
            {
                await Spdy.SpdyPortForward.ServeAsync(tunnel, pod, _bindings, context.RequestAborted).ConfigureAwait(false);
            }

            return;
        }

        if (!TryParsePorts(context.Request.Query, out var ports, out var problem))
        {
            await StatusResponses.BadRequestAsync(context, problem).ConfigureAwait(false);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await StatusResponses.BadRequestAsync(context, "Upgrade request required").ConfigureAwait(false);
            return;
        }

        var requested = context.WebSockets.WebSocketRequestedProtocols;
        string? protocol = null;
        if (requested.Count > 0)
        {
            protocol = requested.FirstOrDefault(p => Protocols.Contains(p, StringComparer.Ordinal));
            if (protocol is null)
            {
                await StatusResponses.BadRequestAsync(context, $"unable to upgrade connection: requested protocol(s) are not supported: [{string.Join(' ', requested)}]; supports [{string.Join(' ', Protocols)}]").ConfigureAwait(false);
                return;
            }
        }

        using var ws = await context.WebSockets.AcceptWebSocketAsync(protocol).ConfigureAwait(false);
        var ct = context.RequestAborted;
        var channels = new ChannelWebSocket(ws, ct);
        var sandbox = SandboxId(pod);
        var streams = new PortStream[ports.Count];
        var header = new byte[2];
        for (var i = 0; i < ports.Count; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)ports[i]);
            await channels.SendAsync((byte)(2 * i), header, ct).ConfigureAwait(false);
            await channels.SendAsync((byte)(2 * i + 1), header, ct).ConfigureAwait(false);
        }

        for (var i = 0; i < ports.Count; i++)
        {
            streams[i] = new PortStream(ports[i], i);
            var endPoint = _bindings.Resolve(@namespace, podName, ports[i]);
            string? failure = null;
            if (endPoint is null)
            {
                failure = Refused(ports[i], sandbox);
            }
            else
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(endPoint, ct).ConfigureAwait(false);
                    streams[i].Backend = socket;
                }
                catch (SocketException)
                {
                    socket.Dispose();
                    failure = Refused(ports[i], sandbox);
                }
            }

            if (failure is not null)
            {
                await channels.SendAsync((byte)(2 * i + 1), Encoding.UTF8.GetBytes(failure), ct).ConfigureAwait(false);
                streams[i].Done = true;
            }
        }

        var pumps = streams.Where(s => s.Backend is not null).Select(s => PumpBackendAsync(s, channels, ct)).ToArray();
        var receive = channels.ReceiveAsync((channel, data) => ToBackendAsync(streams, channel, data, ct), ct);
        var allPumps = Task.WhenAll(pumps);
        var first = await Task.WhenAny(allPumps, receive).ConfigureAwait(false);
        if (first == receive)
        {
            // The client closed (or vanished): end every backend's input, then let the backends finish.
            foreach (var stream in streams)
            {
                stream.ShutdownSend();
            }

            if (ws.State == WebSocketStateCloseReceived)
            {
                await allPumps.ConfigureAwait(false);
            }
        }

        await channels.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var stream in streams)
        {
            stream.Backend?.Dispose();
        }

        try
        {
            await Task.WhenAll(allPumps, receive).WaitAsync(ChannelWebSocket.CloseGrace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The client did not answer the close in time: drop the connection.
            ws.Abort();
        }
    }

    private async Task ServeSpdyUpgradeAsync(HttpContext context, V1Pod pod)
    {
        string[] supported = [Spdy.SpdyPortForward.Protocol];
        var offered = Spdy.SpdyTransport.OfferedProtocols(context);
        var protocol = Spdy.SpdyTransport.Negotiate(offered, supported);
        if (protocol is null)
        {
            await Spdy.SpdyTransport.RefuseAsync(context, offered, supported).ConfigureAwait(false);
            return;
        }

        var transport = await Spdy.SpdyTransport.AcceptUpgradeAsync(context, protocol).ConfigureAwait(false);
        if (transport is null)
        {
            return;
        }

        await using (transport.ConfigureAwait(false))
        {
            await Spdy.SpdyPortForward.ServeAsync(transport, pod, _bindings, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private const System.Net.WebSockets.WebSocketState WebSocketStateCloseReceived = System.Net.WebSockets.WebSocketState.CloseReceived;

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask ToBackendAsync(PortStream[] streams, byte channel, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var index = channel / 2;
        if (channel % 2 != 0 || index >= streams.Length || data.IsEmpty)
        {
            return;
        }

        var stream = streams[index];
        if (stream.Backend is not { } backend || stream.SendShut)
        {
            return;
        }

        try
        {
            await LoopbackServer.SendAllAsync(backend, data, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            stream.SendShut = true;
        }
    }

    private static async Task PumpBackendAsync(PortStream stream, ChannelWebSocket channels, CancellationToken ct)
    {
        var frame = ArrayPool<byte>.Shared.Rent(ChannelWebSocket.FrameSize);
        try
        {
            frame[0] = (byte)(2 * stream.Index);
            while (true)
            {
                int n;
                try
                {
                    n = await stream.Backend!.ReceiveAsync(frame.AsMemory(1, ChannelWebSocket.FrameSize - 1), SocketFlags.None, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    return;
                }

                if (n == 0 || !await channels.SendFrameAsync(frame.AsMemory(0, n + 1), ct).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        finally
        {
            stream.Done = true;
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>The text the kubelet (containerd) writes when nothing listens on the port.</summary>
    internal static string Refused(int port, string sandbox) =>
        string.Create(CultureInfo.InvariantCulture,
            $"error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network namespace \"/var/run/netns/cni-{sandbox[..8]}-{sandbox[8..12]}-{sandbox[12..16]}-{sandbox[16..20]}-{sandbox[20..32]}\": failed to connect to localhost:{port} inside namespace \"{sandbox}\", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused ");

    /// <summary>A stable 64-hex-digit pod sandbox id derived from the pod's uid.</summary>
    internal static string SandboxId(V1Pod pod)
    {
        var seed = pod.Metadata?.Uid ?? $"{pod.Metadata?.NamespaceProperty}/{pod.Metadata?.Name}";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(seed))).ToLowerInvariant();
    }

    /// <summary>Parses <c>ports</c> (repeated and/or comma separated) as the kubelet does.</summary>
    internal static bool TryParsePorts(IQueryCollection query, out List<int> ports, out string problem)
    {
        ports = [];
        problem = string.Empty;
        var values = query["ports"];
        if (values.Count == 0)
        {
            values = query["port"];
        }

        if (values.Count == 0)
        {
            problem = "query parameter \"ports\" is required";
            return false;
        }

        foreach (var value in values)
        {
            if (string.IsNullOrEmpty(value))
            {
                problem = "query parameter \"ports\" cannot be empty";
                return false;
            }

            foreach (var part in value.Split(','))
            {
                if (!ushort.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                {
                    problem = $"unable to parse \"{value}\" as a port";
                    return false;
                }

                if (port < 1)
                {
                    problem = $"port \"{value}\" must be > 0";
                    return false;
                }

                ports.Add(port);
            }
        }

        return true;
    }

    private sealed class PortStream(int port, int index)
    {
        public int Port { get; } = port;

        public int Index { get; } = index;

        public Socket? Backend { get; set; }

        public volatile bool Done;

        public volatile bool SendShut;

        public void ShutdownSend()
        {
            if (Backend is null || SendShut)
            {
                return;
            }

            SendShut = true;
            try
            {
                Backend.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }
        }
    }
}
