using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;

namespace Kube.Access.Testing.Streaming.Spdy;

/// <summary>
/// The server side of one SPDY/3.1 session over a byte stream (an upgraded HTTP/1.1 connection or a
/// WebSocket tunnel): one reader loop parses frames and feeds per-stream pipes; writes are
/// serialised, built in pooled buffers. Streams are opened by the client only (odd ids).
/// </summary>
/// <remarks>
/// Flow control: every stream and the session start with a 64 KiB send window (SPDY/3.1), grown by
/// the peer's WINDOW_UPDATE and resized by its SETTINGS_INITIAL_WINDOW_SIZE. The windows are
/// enforced once the peer shows it does flow control (it sent either): kubectl's SPDY library
/// (moby/spdystream) speaks SPDY/3 framing without flow control, never sends WINDOW_UPDATE and
/// ignores them, as the kubelet's own server does. Received data is acknowledged with WINDOW_UPDATE
/// as the consumer reads it; a consumer that falls behind fills its stream's bounded pipe, which
/// pauses the reader loop (back-pressure onto the connection), so memory stays bounded.
/// </remarks>
internal sealed class SpdySession : IAsyncDisposable
{
    public const int InitialWindow = 64 * 1024;
    public const int MaxDataPayload = 32 * 1024;
    private const int MaxControlFrame = 1024 * 1024;
    private const ushort Version = 3;

    private const ushort SynStream = 1, SynReply = 2, RstStream = 3, Settings = 4, Ping = 6, GoAway = 7, Headers = 8, WindowUpdate = 9;

    private readonly Stream _transport;
    private readonly PipeReader _input;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SpdyHeaderCodec.Encoder _encoder = new();
    private readonly SpdyHeaderCodec.Decoder _decoder = new();
    private readonly ConcurrentDictionary<int, SpdyStream> _streams = new();
    private readonly Func<SpdyStream, ValueTask> _onStream;
    private readonly object _windowLock = new();
    private readonly CancellationTokenSource _closed = new();
    private TaskCompletionSource _windowChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sessionSendWindow = InitialWindow;
    private int _initialStreamWindow = InitialWindow;
    private int _lastStreamId;
    private volatile bool _flowControl;
    private volatile bool _broken;

    public SpdySession(Stream transport, Func<SpdyStream, ValueTask> onStream)
    {
        _transport = transport;
        _input = PipeReader.Create(transport, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true));
        _onStream = onStream;
    }

    /// <summary>Cancelled when the session ends (peer gone, GOAWAY processed, protocol error or disposal).</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>True once the peer sent GOAWAY.</summary>
    public bool GoneAway { get; private set; }

    /// <summary>Reads frames until the peer closes the connection or breaks the protocol.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        SpdyStream? dataStream = null;
        var dataRemaining = 0;
        var dataFin = false;
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(ct).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (dataRemaining > 0)
                {
                    var take = (int)Math.Min(buffer.Length, dataRemaining);
                    var slice = buffer.Slice(0, take);
                    var deliver = dataStream is not null && dataStream.AcceptsInput;
                    if (deliver)
                    {
                        foreach (var segment in slice)
                        {
                            dataStream!.InputWriter.Write(segment.Span);
                        }
                    }

                    _input.AdvanceTo(slice.End);
                    dataRemaining -= take;
                    if (deliver && take > 0)
                    {
                        await dataStream!.FlushInputAsync(ct).ConfigureAwait(false);
                    }

                    if (dataRemaining == 0 && dataFin)
                    {
                        dataStream?.RemoteFinished();
                    }

                    if (take == 0 && result.IsCompleted)
                    {
                        return;
                    }

                    continue;
                }

                if (buffer.Length < 8)
                {
                    if (result.IsCompleted)
                    {
                        return;
                    }

                    _input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                var (first, second) = ReadHead(buffer);
                var flags = (byte)(second >> 24);
                var length = (int)(second & 0xFFFFFF);
                if ((first & 0x80000000) == 0)
                {
                    // DATA: stream id, flags, length; the payload is passed on as it arrives.
                    var id = (int)(first & 0x7FFFFFFF);
                    _input.AdvanceTo(buffer.GetPosition(8));
                    _streams.TryGetValue(id, out dataStream);
                    if (dataStream is null && id > _lastStreamId)
                    {
                        await SendRstAsync(id, SpdyRstStatus.ProtocolError).ConfigureAwait(false);
                    }
                    else if (dataStream is { RemoteClosed: true })
                    {
                        await SendRstAsync(id, SpdyRstStatus.StreamAlreadyClosed).ConfigureAwait(false);
                        dataStream = null;
                    }

                    dataStream?.CountReceived(length);
                    dataRemaining = length;
                    dataFin = (flags & 0x01) != 0;
                    if (length == 0 && dataFin)
                    {
                        dataStream?.RemoteFinished();
                    }

                    continue;
                }

                var version = (ushort)((first >> 16) & 0x7FFF);
                var type = (ushort)(first & 0xFFFF);
                if (version != Version)
                {
                    throw new SpdyProtocolException($"a control frame of SPDY version {version} (this server speaks 3)");
                }

                if (length > MaxControlFrame)
                {
                    throw new SpdyProtocolException($"a control frame of {length} bytes (at most {MaxControlFrame})");
                }

                if (buffer.Length < 8 + length)
                {
                    if (result.IsCompleted)
                    {
                        return;
                    }

                    _input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                var payload = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
                try
                {
                    buffer.Slice(8, length).CopyTo(payload);
                    _input.AdvanceTo(buffer.GetPosition(8 + length));
                    await HandleControlAsync(type, flags, payload.AsMemory(0, length)).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(payload);
                }
            }
        }
        catch (SpdyProtocolException)
        {
            await SendGoAwayAsync(1).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
        {
            // The connection is gone.
        }
        finally
        {
            Shutdown();
            await _input.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static (uint First, uint Second) ReadHead(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> head = stackalloc byte[8];
        buffer.Slice(0, 8).CopyTo(head);
        return (BinaryPrimitives.ReadUInt32BigEndian(head), BinaryPrimitives.ReadUInt32BigEndian(head[4..]));
    }

    private async ValueTask HandleControlAsync(ushort type, byte flags, ReadOnlyMemory<byte> payload)
    {
        switch (type)
        {
            case SynStream:
            {
                if (payload.Length < 10)
                {
                    throw new SpdyProtocolException("a SYN_STREAM frame shorter than 10 bytes");
                }

                var id = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload.Span) & 0x7FFFFFFF);
                var headers = _decoder.Decode(payload.Span[10..]);
                if (id == 0 || id % 2 == 0 || id <= _lastStreamId)
                {
                    await SendRstAsync(id, SpdyRstStatus.ProtocolError).ConfigureAwait(false);
                    return;
                }

                _lastStreamId = id;
                if (GoneAway)
                {
                    await SendRstAsync(id, SpdyRstStatus.RefusedStream).ConfigureAwait(false);
                    return;
                }

                long window;
                lock (_windowLock)
                {
                    window = _initialStreamWindow;
                }

                var stream = new SpdyStream(this, id, headers, window);
                _streams[id] = stream;
                if ((flags & 0x01) != 0)
                {
                    stream.RemoteFinished();
                }

                if ((flags & 0x02) != 0)
                {
                    stream.MarkLocalClosed();
                }

                await _onStream(stream).ConfigureAwait(false);
                break;
            }

            case RstStream when payload.Length >= 8:
            {
                var id = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload.Span) & 0x7FFFFFFF);
                if (_streams.TryRemove(id, out var stream))
                {
                    stream.OnReset();
                }

                SignalWindows();
                break;
            }

            case Settings when payload.Length >= 4:
            {
                var count = BinaryPrimitives.ReadInt32BigEndian(payload.Span);
                if (count < 0 || payload.Length < 4 + (8L * count))
                {
                    throw new SpdyProtocolException("a SETTINGS frame shorter than its entries");
                }

                for (var i = 0; i < count; i++)
                {
                    var entry = payload.Span.Slice(4 + (8 * i), 8);
                    var settingId = BinaryPrimitives.ReadUInt32BigEndian(entry) & 0xFFFFFF;
                    var value = BinaryPrimitives.ReadInt32BigEndian(entry[4..]);
                    if (settingId == 7 && value >= 0)
                    {
                        lock (_windowLock)
                        {
                            var delta = value - _initialStreamWindow;
                            _initialStreamWindow = value;
                            foreach (var s in _streams.Values)
                            {
                                s.SendWindow += delta;
                            }

                            _flowControl = true;
                        }

                        SignalWindows();
                    }
                }

                break;
            }

            case Ping when payload.Length >= 4:
            {
                var pingId = BinaryPrimitives.ReadUInt32BigEndian(payload.Span);
                if (pingId % 2 == 1)
                {
                    // A client's ping: echo it.
                    await WriteControlAsync(Ping, 0, 4, static (span, state) => BinaryPrimitives.WriteUInt32BigEndian(span, state), pingId).ConfigureAwait(false);
                }

                break;
            }

            case GoAway:
                GoneAway = true;
                break;

            case Headers when payload.Length >= 4:
            {
                var id = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload.Span) & 0x7FFFFFFF);
                _decoder.Decode(payload.Span[4..]); // keeps the decompression context in step
                if ((flags & 0x01) != 0 && _streams.TryGetValue(id, out var stream))
                {
                    stream.RemoteFinished();
                }

                break;
            }

            case SynReply when payload.Length >= 4:
                _decoder.Decode(payload.Span[4..]);
                break;

            case WindowUpdate when payload.Length >= 8:
            {
                var id = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload.Span) & 0x7FFFFFFF);
                var delta = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload.Span[4..]) & 0x7FFFFFFF);
                lock (_windowLock)
                {
                    _flowControl = true;
                    if (id == 0)
                    {
                        _sessionSendWindow += delta;
                    }
                    else if (_streams.TryGetValue(id, out var stream))
                    {
                        stream.SendWindow += delta;
                    }
                }

                SignalWindows();
                break;
            }

            default:
                // Unknown control frames are ignored (SPDY/3 2.2.1).
                break;
        }
    }

    private void SignalWindows()
    {
        TaskCompletionSource previous;
        lock (_windowLock)
        {
            previous = _windowChanged;
            _windowChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    /// <summary>Takes up to <paramref name="wanted"/> bytes of send window (waits while a flow-controlling peer's windows are spent).</summary>
    private async ValueTask<int> ReserveWindowAsync(SpdyStream stream, int wanted, CancellationToken ct)
    {
        while (true)
        {
            Task wait;
            lock (_windowLock)
            {
                if (!_flowControl)
                {
                    return wanted;
                }

                var available = Math.Min(stream.SendWindow, _sessionSendWindow);
                if (available > 0)
                {
                    var n = (int)Math.Min(available, wanted);
                    stream.SendWindow -= n;
                    _sessionSendWindow -= n;
                    return n;
                }

                wait = _windowChanged.Task;
            }

            if (stream.IsReset || _broken)
            {
                throw new IOException($"SPDY stream {stream.Id} is closed.");
            }

            await wait.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Sends <paramref name="data"/> on a stream as DATA frames (FIN on the last when <paramref name="fin"/>).</summary>
    internal async ValueTask SendDataAsync(SpdyStream stream, ReadOnlyMemory<byte> data, bool fin, CancellationToken ct)
    {
        do
        {
            var wanted = Math.Min(data.Length, MaxDataPayload);
            var n = wanted == 0 ? 0 : await ReserveWindowAsync(stream, wanted, ct).ConfigureAwait(false);
            var last = n == data.Length;
            var frame = ArrayPool<byte>.Shared.Rent(8 + n);
            try
            {
                BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)stream.Id & 0x7FFFFFFF);
                BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)n | (fin && last ? 0x01000000u : 0u));
                data.Span[..n].CopyTo(frame.AsSpan(8));
                await WriteFrameAsync(frame.AsMemory(0, 8 + n), stream, ct).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(frame);
            }

            data = data[n..];
        }
        while (!data.IsEmpty);
    }

    /// <summary>Answers a stream with SYN_REPLY (empty headers as the kubelet sends).</summary>
    internal async ValueTask SendSynReplyAsync(SpdyStream stream, IReadOnlyList<KeyValuePair<string, string>> headers, bool fin)
    {
        var block = SpdyHeaderCodec.Serialize(headers);
        await _writeLock.WaitAsync().ConfigureAwait(false);
        byte[]? frame = null;
        try
        {
            ThrowIfBroken();
            var compressed = _encoder.EncodedLength(block.Length);
            var length = 4 + compressed;
            frame = ArrayPool<byte>.Shared.Rent(8 + length);
            WriteControlHeader(frame, SynReply, fin ? (byte)0x01 : (byte)0, length);
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), (uint)stream.Id & 0x7FFFFFFF);
            _encoder.Encode(block, frame.AsSpan(12));
            await WriteLockedAsync(frame.AsMemory(0, 8 + length), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            if (frame is not null)
            {
                ArrayPool<byte>.Shared.Return(frame);
            }

            _writeLock.Release();
        }
    }

    /// <summary>Resets a stream (RST_STREAM).</summary>
    internal ValueTask SendRstAsync(int id, SpdyRstStatus status)
    {
        if (_streams.TryRemove(id, out var stream))
        {
            stream.OnReset();
        }

        return WriteControlAsync(RstStream, 0, 8, static (span, state) =>
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, (uint)state.id & 0x7FFFFFFF);
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)state.status);
        }, (id, status));
    }

    /// <summary>Acknowledges consumed data (WINDOW_UPDATE for the stream and the session).</summary>
    internal async ValueTask SendWindowUpdateAsync(int id, int delta)
    {
        await WriteControlAsync(WindowUpdate, 0, 8, static (span, state) =>
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, (uint)state.id);
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)state.delta);
        }, (id: 0, delta)).ConfigureAwait(false);
        if (_streams.ContainsKey(id))
        {
            await WriteControlAsync(WindowUpdate, 0, 8, static (span, state) =>
            {
                BinaryPrimitives.WriteUInt32BigEndian(span, (uint)state.id);
                BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)state.delta);
            }, (id, delta)).ConfigureAwait(false);
        }
    }

    /// <summary>Tells the peer the session ends (GOAWAY with the last stream id seen).</summary>
    public ValueTask SendGoAwayAsync(uint status) =>
        WriteControlAsync(GoAway, 0, 8, static (span, state) =>
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, (uint)state.last);
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], state.status);
        }, (last: _lastStreamId, status));

    internal void Forget(SpdyStream stream) => _streams.TryRemove(new KeyValuePair<int, SpdyStream>(stream.Id, stream));

    private async ValueTask WriteControlAsync<TState>(ushort type, byte flags, int length, SpanAction<byte, TState> body, TState state)
    {
        var frame = ArrayPool<byte>.Shared.Rent(8 + length);
        try
        {
            WriteControlHeader(frame, type, flags, length);
            body(frame.AsSpan(8, length), state);
            await WriteFrameAsync(frame.AsMemory(0, 8 + length), null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The connection is gone: control frames are best effort.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    private static void WriteControlHeader(Span<byte> frame, ushort type, byte flags, int length)
    {
        BinaryPrimitives.WriteUInt16BigEndian(frame, 0x8000 | Version);
        BinaryPrimitives.WriteUInt16BigEndian(frame[2..], type);
        BinaryPrimitives.WriteUInt32BigEndian(frame[4..], ((uint)flags << 24) | (uint)length);
    }

    private async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, SpdyStream? stream, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ThrowIfBroken();
            if (stream is { IsReset: true })
            {
                throw new IOException($"SPDY stream {stream.Id} was reset.");
            }

            await WriteLockedAsync(frame, ct).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask WriteLockedAsync(ReadOnlyMemory<byte> frame, CancellationToken ct)
    {
        try
        {
            await _transport.WriteAsync(frame, ct).ConfigureAwait(false);
            await _transport.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not IOException and (ObjectDisposedException or InvalidOperationException or System.Net.WebSockets.WebSocketException or OperationCanceledException))
        {
            _broken = true;
            throw new IOException("The SPDY connection is closed.", ex);
        }
        catch (IOException)
        {
            _broken = true;
            throw;
        }
    }

    private void ThrowIfBroken()
    {
        if (_broken)
        {
            throw new IOException("The SPDY connection is closed.");
        }
    }

    private void Shutdown()
    {
        _broken = true;
        foreach (var stream in _streams.Values)
        {
            stream.OnReset();
        }

        _streams.Clear();
        SignalWindows();
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Shutdown();
        _decoder.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>RST_STREAM status codes (SPDY/3 2.6.3).</summary>
internal enum SpdyRstStatus : uint
{
    ProtocolError = 1,
    InvalidStream = 2,
    RefusedStream = 3,
    UnsupportedVersion = 4,
    Cancel = 5,
    InternalError = 6,
    FlowControlError = 7,
    StreamInUse = 8,
    StreamAlreadyClosed = 9,
}
