using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace Kube.Access.Channels;

/// <summary>
/// Kubernetes channel framing over one WebSocket (<c>v4.channel.k8s.io</c>, <c>v5.channel.k8s.io</c>,
/// <c>portforward.k8s.io</c>): each binary message is one channel byte followed by that channel's data.
/// </summary>
/// <remarks>
/// <para>Incoming messages are demultiplexed into one <see cref="PipeReader"/> per channel
/// (<see cref="GetInput"/>). Each channel buffers at most
/// <see cref="WebSocketChannelOptions.MaxBufferedBytesPerChannel"/>; when a channel is full the
/// connection stops reading the WebSocket until that channel is read (back-pressure reaches the
/// server through TCP). Frames for a channel nobody asked for yet are kept, not dropped.</para>
/// <para>Outgoing frames are built in one pooled buffer per connection; writes are serialized, so
/// any number of tasks may write concurrently. The steady state allocates nothing per frame.</para>
/// <para>With <c>v5.channel.k8s.io</c>, <see cref="CloseChannelAsync"/> sends the close-channel frame
/// (255, channel) and an incoming one completes that channel's reader.</para>
/// </remarks>
public sealed class WebSocketChannelConnection : IAsyncDisposable
{
    private const int ChannelCount = 256;

    private readonly WebSocket _socket;
    private readonly WebSocketChannelOptions _options;
    private readonly PipeOptions _pipeOptions;
    private readonly Pipe?[] _pipes = new Pipe?[ChannelCount];
    private readonly object _pipesLock = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _readCancellation = new();
    private readonly Task _readLoop;
    private byte[]? _sendBuffer;
    private bool _inputFinished;
    private Exception? _inputError;
    private int _disposed;

    private WebSocketChannelConnection(WebSocket socket, WebSocketChannelOptions options)
    {
        _socket = socket;
        _options = options;
        _pipeOptions = new PipeOptions(
            pool: MemoryPool<byte>.Shared,
            pauseWriterThreshold: options.MaxBufferedBytesPerChannel,
            resumeWriterThreshold: options.MaxBufferedBytesPerChannel / 2,
            readerScheduler: options.RunReaderContinuationsInline ? PipeScheduler.Inline : PipeScheduler.ThreadPool,
            minimumSegmentSize: Math.Min(options.ReceiveSegmentSize, 32 * 1024),
            useSynchronizationContext: false);
        _sendBuffer = ArrayPool<byte>.Shared.Rent(options.MaxFramePayload + 1);
        _readLoop = ReadLoopAsync(_readCancellation.Token);
    }

    /// <summary>
    /// Starts channel framing over an open WebSocket; the connection owns the socket from now on and
    /// begins reading it at once.
    /// </summary>
    /// <param name="socket">An open WebSocket that negotiated one of the <see cref="ChannelProtocols"/>.</param>
    /// <param name="options">Buffer limits; <see cref="WebSocketChannelOptions.Default"/> when null.</param>
    public static WebSocketChannelConnection Start(WebSocket socket, WebSocketChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(socket);
        options ??= WebSocketChannelOptions.Default;
        options.Validate();
        if (socket.State != WebSocketState.Open)
        {
            throw new WebSocketChannelException($"The WebSocket is {socket.State}, not Open.");
        }

        return new WebSocketChannelConnection(socket, options);
    }

    /// <summary>The negotiated subprotocol (for example <c>v4.channel.k8s.io</c>), when the server named one.</summary>
    public string? SubProtocol => _socket.SubProtocol;

    /// <summary>True when the negotiated protocol has the close-channel frame (<c>v5.channel.k8s.io</c>).</summary>
    public bool SupportsCloseChannel => string.Equals(_socket.SubProtocol, ChannelProtocols.V5, StringComparison.Ordinal);

    /// <summary>Completes when the incoming side has ended (close received, connection lost or disposed).</summary>
    public Task Completion => _readLoop;

    /// <summary>
    /// The incoming data of <paramref name="channel"/>. It completes when the peer closes the channel
    /// (v5) or the WebSocket ends; abnormal ends complete it with a <see cref="WebSocketChannelException"/>.
    /// Completing the reader early discards the channel's later frames without stalling the others.
    /// </summary>
    public PipeReader GetInput(byte channel)
    {
        if (channel == ChannelProtocols.CloseChannel && SupportsCloseChannel)
        {
            throw new ArgumentOutOfRangeException(nameof(channel), channel, "channel 255 is the v5 close-channel frame");
        }

        return GetOrCreatePipe(channel).Reader;
    }

    /// <summary>
    /// Sends <paramref name="payload"/> on <paramref name="channel"/>, split into frames of at most
    /// <see cref="WebSocketChannelOptions.MaxFramePayload"/> bytes. Completes when the WebSocket has taken
    /// the bytes (the send back-pressures on TCP).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(byte channel, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var buffer = _sendBuffer ?? throw Disposed(channel);
            var max = _options.MaxFramePayload;
            do
            {
                var chunk = Math.Min(payload.Length, max);
                buffer[0] = channel;
                payload.Span[..chunk].CopyTo(buffer.AsSpan(1));
                await SendLockedAsync(buffer.AsMemory(0, chunk + 1), channel, cancellationToken).ConfigureAwait(false);
                payload = payload[chunk..];
            }
            while (!payload.IsEmpty);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Sends one frame whose first byte is a slot for the channel: <paramref name="frame"/>[0] is
    /// overwritten with <paramref name="channel"/> and the rest is sent as the payload, without copying.
    /// Lets a pump read straight into <c>buffer[1..]</c> of its own pooled buffer.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteFrameAsync(byte channel, Memory<byte> frame, CancellationToken cancellationToken = default)
    {
        if (frame.IsEmpty)
        {
            throw new ArgumentException("A frame needs at least the channel byte.", nameof(frame));
        }

        frame.Span[0] = channel;
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_sendBuffer is null)
            {
                throw Disposed(channel);
            }

            await SendLockedAsync(frame, channel, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Tells the peer that nothing more will be written on <paramref name="channel"/> (v5 close-channel
    /// frame: 255 followed by the channel). Raises <see cref="WebSocketChannelException"/> when the negotiated
    /// protocol has no such frame (v4 and port-forward cannot half-close a channel).
    /// </summary>
    public async ValueTask CloseChannelAsync(byte channel, CancellationToken cancellationToken = default)
    {
        if (!SupportsCloseChannel)
        {
            throw new WebSocketChannelException(
                $"The negotiated protocol '{_socket.SubProtocol ?? "(none)"}' cannot close one channel; {ChannelProtocols.V5} is needed.", channel);
        }

        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var buffer = _sendBuffer ?? throw Disposed(channel);
            buffer[0] = ChannelProtocols.CloseChannel;
            buffer[1] = channel;
            await SendLockedAsync(buffer.AsMemory(0, 2), channel, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Closes the outgoing side (WebSocket close frame, nothing more can be written) and keeps
    /// delivering incoming data until the peer closes too. The WebSocket has no per-channel half-close
    /// before v5: this is how a v4 client says it is done.
    /// </summary>
    public async ValueTask CloseOutputAsync(CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_sendBuffer is null)
            {
                throw Disposed(null);
            }

            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or InvalidOperationException)
        {
            throw new WebSocketChannelException($"Closing the WebSocket failed: {ex.Message}", null, ex);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Closes the WebSocket cleanly: sends the close frame, then waits until the peer's close has been
    /// received and every incoming channel has been completed.
    /// </summary>
    public async ValueTask CloseAsync(CancellationToken cancellationToken = default)
    {
        await CloseOutputAsync(cancellationToken).ConfigureAwait(false);
        await _readLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Aborts the WebSocket if still open, ends the incoming side and returns pooled buffers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _readCancellation.Cancel();
        if (_socket.State is not (WebSocketState.Closed or WebSocketState.Aborted))
        {
            _socket.Abort();
        }

        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch
        {
            // The loop's outcome is already in the channels' readers.
        }

        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_sendBuffer is { } buffer)
            {
                _sendBuffer = null;
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        finally
        {
            _sendLock.Release();
        }

        _socket.Dispose();
        _readCancellation.Dispose();
    }

    /// <summary>
    /// Sends one frame (the caller holds <see cref="_sendLock"/>). The WebSocket gets no cancellable token:
    /// ManagedWebSocket takes a slower, allocating path for those. Cancellation instead aborts the socket
    /// while a send is pending, which is what ManagedWebSocket does on a cancelled send anyway.
    /// </summary>
    private ValueTask SendLockedAsync(ReadOnlyMemory<byte> frame, byte channel, CancellationToken cancellationToken)
    {
        ValueTask send;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            send = _socket.SendAsync(frame, WebSocketMessageType.Binary, WebSocketMessageFlags.EndOfMessage, CancellationToken.None);
            if (send.IsCompletedSuccessfully)
            {
                send.GetAwaiter().GetResult();
                return default;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            throw SendFailed(channel, ex);
        }

        return AwaitSendAsync(send, channel, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitSendAsync(ValueTask send, byte channel, CancellationToken cancellationToken)
    {
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((WebSocket)s!).Abort(), _socket)
            : default;
        try
        {
            await send.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw SendFailed(channel, ex);
        }
        finally
        {
            await registration.DisposeAsync().ConfigureAwait(false);
        }
    }

    private WebSocketChannelException SendFailed(byte channel, Exception ex) =>
        new($"Sending on channel {channel} failed: the WebSocket is {SafeState()} ({ex.Message}).", channel, ex);

    private string SafeState()
    {
        try
        {
            return _socket.State.ToString();
        }
        catch (ObjectDisposedException)
        {
            return "disposed";
        }
    }

    private static WebSocketChannelException Disposed(byte? channel) =>
        new("The channel connection has been disposed.", channel, new ObjectDisposedException(nameof(WebSocketChannelConnection)));

    private Pipe GetOrCreatePipe(byte channel)
    {
        var pipe = Volatile.Read(ref _pipes[channel]);
        if (pipe is not null)
        {
            return pipe;
        }

        lock (_pipesLock)
        {
            pipe = _pipes[channel];
            if (pipe is null)
            {
                pipe = new Pipe(_pipeOptions);
                if (_inputFinished)
                {
                    // The socket is done: a channel asked for now will never get data.
                    pipe.Writer.Complete(_inputError);
                }

                Volatile.Write(ref _pipes[channel], pipe);
            }

            return pipe;
        }
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        // The first piece of each message lands here (its first byte names the channel) and its payload
        // is copied into the channel's pipe; the rest of the message is received straight into the pipe.
        // Each channel is flushed once per message (or every MaxBufferedBytesPerChannel / 4 of a long
        // one), so a reader wakes once per frame, not once per socket read. The socket gets no cancellable
        // token (ManagedWebSocket registers it on every receive): disposal aborts the socket instead.
        var first = ArrayPool<byte>.Shared.Rent(_options.ReceiveSegmentSize);
        var flushThreshold = Math.Max(1024, _options.MaxBufferedBytesPerChannel / 4);
        // Channels whose reader completed or that the peer closed (v5): their frames are dropped.
        var done = new bool[ChannelCount];
        Exception? error = null;
        var v5 = SupportsCloseChannel;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(first.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                if (result.Count == 0)
                {
                    // An empty message (or an empty first fragment): nothing to deliver.
                    if (!result.EndOfMessage)
                    {
                        await DrainMessageAsync(first).ConfigureAwait(false);
                    }

                    continue;
                }

                var channel = first[0];
                var endOfMessage = result.EndOfMessage;

                if (channel == ChannelProtocols.CloseChannel && v5)
                {
                    var count = result.Count;
                    while (true)
                    {
                        for (var i = 1; i < count; i++)
                        {
                            CloseIncoming(first[i], done);
                        }

                        if (endOfMessage)
                        {
                            break;
                        }

                        result = await _socket.ReceiveAsync(first.AsMemory(1), CancellationToken.None).ConfigureAwait(false);
                        ThrowIfCloseInMessage(result, channel);
                        endOfMessage = result.EndOfMessage;
                        count = result.Count + 1;
                    }

                    continue;
                }

                var writer = GetOrCreatePipe(channel).Writer;
                long unflushed = 0;
                if (!done[channel] && result.Count > 1)
                {
                    // One contiguous span, so that the reader gets the frame as one segment.
                    var payload = first.AsSpan(1, result.Count - 1);
                    payload.CopyTo(writer.GetSpan(payload.Length));
                    writer.Advance(payload.Length);
                    unflushed = payload.Length;
                }

                while (!endOfMessage)
                {
                    if (done[channel])
                    {
                        result = await _socket.ReceiveAsync(first.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                        ThrowIfCloseInMessage(result, channel);
                        endOfMessage = result.EndOfMessage;
                        continue;
                    }

                    var memory = writer.GetMemory(_options.ReceiveSegmentSize);
                    result = await _socket.ReceiveAsync(memory, CancellationToken.None).ConfigureAwait(false);
                    ThrowIfCloseInMessage(result, channel);
                    endOfMessage = result.EndOfMessage;
                    writer.Advance(result.Count);
                    unflushed += result.Count;
                    if (unflushed >= flushThreshold && !endOfMessage)
                    {
                        unflushed = 0;
                        await FlushAsync(writer, channel, done, cancellationToken).ConfigureAwait(false);
                    }
                }

                if (unflushed > 0 && !done[channel])
                {
                    await FlushAsync(writer, channel, done, cancellationToken).ConfigureAwait(false);
                }
            }

            // The peer sent its close frame: answer it if we have not closed yet.
            await ReplyToCloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            error = new WebSocketChannelException("The channel connection was disposed.", null, new ObjectDisposedException(nameof(WebSocketChannelConnection)));
        }
        catch (WebSocketChannelException ex)
        {
            error = ex;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            error = new WebSocketChannelException($"The WebSocket connection was lost: {ex.Message}", null, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(first);
            lock (_pipesLock)
            {
                _inputFinished = true;
                _inputError = error;
                for (var i = 0; i < ChannelCount; i++)
                {
                    if (_pipes[i] is { } pipe && !done[i])
                    {
                        pipe.Writer.Complete(error);
                    }
                }
            }
        }

        async ValueTask DrainMessageAsync(byte[] scratch)
        {
            ValueWebSocketReceiveResult r;
            do
            {
                r = await _socket.ReceiveAsync(scratch.AsMemory(), CancellationToken.None).ConfigureAwait(false);
            }
            while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);
        }
    }

    private void CloseIncoming(byte channel, bool[] done)
    {
        if (!done[channel])
        {
            done[channel] = true;
            GetOrCreatePipe(channel).Writer.Complete();
        }
    }

    private static void ThrowIfCloseInMessage(ValueWebSocketReceiveResult result, byte channel)
    {
        if (result.MessageType == WebSocketMessageType.Close)
        {
            throw new WebSocketChannelException($"The WebSocket closed in the middle of a message on channel {channel}.", channel);
        }
    }

    /// <summary>Flushes one channel; when its pipe holds MaxBufferedBytesPerChannel this waits for its reader (back-pressure: the socket is not read meanwhile).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask FlushAsync(PipeWriter writer, byte channel, bool[] done, CancellationToken cancellationToken)
    {
        var flush = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flush.IsCompleted)
        {
            done[channel] = true;
            writer.Complete();
        }
    }

    private async ValueTask ReplyToCloseAsync()
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State == WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is gone already; its close was received, which is all that matters here.
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
