using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Kube.Access.Channels;
using Microsoft.Extensions.Logging;

namespace Kube.Access.PortForward;

/// <summary>
/// One WebSocket to <c>pods/NAME/portforward?ports=P</c>: data on channel 0, errors on channel 1, each
/// starting with the port as 2 little-endian bytes (checked).
/// </summary>
internal sealed class PodPortTunnel : IAsyncDisposable
{
    internal const byte DataChannel = 0;
    internal const byte ErrorChannel = 1;
    private static readonly string[] SubProtocols = [ChannelProtocols.V4, ChannelProtocols.PortForward];

    private readonly WebSocketChannelConnection _channels;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _errorCancellation = new();
    private bool _dataPrefixRead;
    private int _disposed;

    private PodPortTunnel(WebSocketChannelConnection channels, string @namespace, string pod, int port, ILogger logger)
    {
        _channels = channels;
        Namespace = @namespace;
        Pod = pod;
        Port = port;
        _logger = logger;
        Error = WatchErrorChannelAsync(_errorCancellation.Token);
    }

    public string Namespace { get; }

    public string Pod { get; }

    public int Port { get; }

    public WebSocketChannelConnection Channels => _channels;

    /// <summary>Completes with the error the server reported on the error channel, or null when it closed without one.</summary>
    public Task<PortForwardException?> Error { get; }

    public static string PathFor(string @namespace, string pod, int port) =>
        string.Create(CultureInfo.InvariantCulture, $"/api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/pods/{Uri.EscapeDataString(pod)}/portforward?ports={port}");

    public static async ValueTask<PodPortTunnel> OpenAsync(IKubeConnection connection, string @namespace, string pod, int port, int maxBufferedBytes, bool inlineReaders, ILogger logger, CancellationToken cancellationToken)
    {
        var options = new WebSocketChannelOptions
        {
            MaxBufferedBytesPerChannel = maxBufferedBytes,
            // Receives and pipe segments of 32 KiB: the kubelet's frames (32 KiB + the channel byte) in one or two.
            ReceiveSegmentSize = 32 * 1024,
            // The session's pump never blocks: it runs right on the read loop (no thread hop per frame).
            RunReaderContinuationsInline = inlineReaders,
        };
        var channels = await WebSocketChannels.OpenAsync(
            connection,
            PathFor(@namespace, pod, port),
            SubProtocols,
            options,
            ex => new PortForwardException(
                $"error upgrading connection for port {port} of pod {@namespace}/{pod}: {ex.Message}", @namespace, pod, port, ex.ResponseBody ?? ex.Message, ex),
            startFailed: null,
            cancellationToken).ConfigureAwait(false);
        return new PodPortTunnel(channels, @namespace, pod, port, logger);
    }

    /// <summary>The pod's data; reading it the first time consumes and checks the port prefix.</summary>
    public async ValueTask<PipeReader> GetDataAsync(CancellationToken cancellationToken)
    {
        var reader = _channels.GetInput(DataChannel);
        if (!_dataPrefixRead)
        {
            await ReadPortPrefixAsync(reader, DataChannel, cancellationToken).ConfigureAwait(false);
            _dataPrefixRead = true;
        }

        return reader;
    }

    /// <summary>Reads and checks the 2-byte little-endian port prefix of a channel; false when the channel ended first.</summary>
    private async ValueTask<bool> ReadPortPrefixAsync(PipeReader reader, byte channel, CancellationToken cancellationToken)
    {
        ReadResult result;
        try
        {
            result = await reader.ReadAtLeastAsync(2, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketChannelException ex)
        {
            throw new PortForwardException($"lost connection to pod {Namespace}/{Pod} before port {Port} answered: {ex.Message}", Namespace, Pod, Port, null, ex);
        }

        if (result.Buffer.Length < 2)
        {
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (channel == DataChannel)
            {
                var error = await Error.ConfigureAwait(false);
                throw error ?? new PortForwardException(
                    $"pod {Namespace}/{Pod} closed the connection for port {Port} before sending the port prefix on the data channel", Namespace, Pod, Port);
            }

            return false;
        }

        Span<byte> prefix = stackalloc byte[2];
        result.Buffer.Slice(0, 2).CopyTo(prefix);
        var answered = BinaryPrimitives.ReadUInt16LittleEndian(prefix);
        reader.AdvanceTo(result.Buffer.GetPosition(2));
        if (answered != Port)
        {
            throw new PortForwardException(
                $"pod {Namespace}/{Pod}: channel {channel} answered for port {answered}, expected {Port}", Namespace, Pod, Port);
        }

        return true;
    }

    private async Task<PortForwardException?> WatchErrorChannelAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var reader = _channels.GetInput(ErrorChannel);
        try
        {
            if (!await ReadPortPrefixAsync(reader, ErrorChannel, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            // The rest of the error channel is text; normally nothing arrives before the close. The server
            // writes its error as one message, so the first non-empty read carries it.
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (result.Buffer.Length > 0)
                {
                    var text = Encoding.UTF8.GetString(result.Buffer.Slice(0, Math.Min(result.Buffer.Length, 64 * 1024)));
                    reader.AdvanceTo(result.Buffer.End);
                    return Report(text);
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return null;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (WebSocketChannelException)
        {
            // Lost connection: the data side reports it.
            return null;
        }
        catch (PortForwardException ex)
        {
            _logger.LogWarning(ex, "Port-forward protocol error for {Namespace}/{Pod}:{Port}", Namespace, Pod, Port);
            return ex;
        }
    }

    private PortForwardException Report(string text)
    {
        text = text.TrimEnd('\0', '\n', '\r', ' ');
        var ex = new PortForwardException($"error forwarding port {Port} to pod {Namespace}/{Pod}: {text}", Namespace, Pod, Port, text);
        _logger.LogError("an error occurred forwarding port {Port} to pod {Namespace}/{Pod}: {ServerText}", Port, Namespace, Pod, text);
        return ex;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _channels.DisposeAsync().ConfigureAwait(false);
        _errorCancellation.Cancel();
        try
        {
            await Error.ConfigureAwait(false);
        }
        catch
        {
            // Already surfaced.
        }

        _errorCancellation.Dispose();
    }
}
