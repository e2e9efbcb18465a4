using System.Buffers;
using System.IO.Pipelines;

namespace Kube.Access.Testing.Streaming.Spdy;

/// <summary>
/// One client-opened SPDY stream, as a duplex <see cref="Stream"/>: reads return the peer's DATA
/// (0 once it sent FIN or reset the stream), writes become DATA frames. Received data waits in a
/// bounded pipe; reading it sends WINDOW_UPDATE.
/// </summary>
internal sealed class SpdyStream : Stream
{
    private const int WindowUpdateThreshold = SpdySession.InitialWindow / 2;

    private readonly SpdySession _session;
    private readonly Pipe _input = new(new PipeOptions(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, useSynchronizationContext: false));
    private int _unacknowledged;
    private int _remoteClosed;
    private int _localClosed;
    private volatile bool _reset;
    private bool _replied;

    internal SpdyStream(SpdySession session, int id, IReadOnlyList<KeyValuePair<string, string>> headers, long sendWindow)
    {
        _session = session;
        Id = id;
        Headers = headers;
        SendWindow = sendWindow;
    }

    /// <summary>The stream id (odd: client-initiated).</summary>
    public int Id { get; }

    /// <summary>The SYN_STREAM headers (names lower-case).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The send window left (guarded by the session).</summary>
    internal long SendWindow { get; set; }

    internal bool IsReset => _reset;

    internal bool RemoteClosed => Volatile.Read(ref _remoteClosed) != 0;

    internal bool AcceptsInput => !_reset && !RemoteClosed;

    internal PipeWriter InputWriter => _input.Writer;

    /// <summary>A header's value (names compare case-insensitively), or null.</summary>
    public string? Header(string name)
    {
        foreach (var (key, value) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Answers the stream (SYN_REPLY with no headers), once.</summary>
    public ValueTask ReplyAsync(bool fin = false)
    {
        if (_replied)
        {
            return ValueTask.CompletedTask;
        }

        _replied = true;
        if (fin)
        {
            Interlocked.Exchange(ref _localClosed, 1);
        }

        return _session.SendSynReplyAsync(this, [], fin);
    }

    /// <summary>Half-closes the stream: an empty DATA frame with FIN (once).</summary>
    public async ValueTask CloseWriteAsync()
    {
        if (Interlocked.Exchange(ref _localClosed, 1) != 0 || _reset)
        {
            Release();
            return;
        }

        try
        {
            await _session.SendDataAsync(this, ReadOnlyMemory<byte>.Empty, fin: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The connection is gone.
        }

        Release();
    }

    /// <summary>Resets the stream (RST_STREAM CANCEL or <paramref name="status"/>).</summary>
    public ValueTask ResetAsync(SpdyRstStatus status = SpdyRstStatus.Cancel) => _session.SendRstAsync(Id, status);

    internal void MarkLocalClosed() => Interlocked.Exchange(ref _localClosed, 1);

    internal void CountReceived(int length)
    {
        // Received windows are not enforced (see SpdySession): acknowledgements follow consumption.
    }

    internal ValueTask<FlushResult> FlushInputAsync(CancellationToken ct) => _input.Writer.FlushAsync(ct);

    internal void RemoteFinished()
    {
        if (Interlocked.Exchange(ref _remoteClosed, 1) == 0)
        {
            _input.Writer.Complete();
            Release();
        }
    }

    internal void OnReset()
    {
        _reset = true;
        Interlocked.Exchange(ref _localClosed, 1);
        if (Interlocked.Exchange(ref _remoteClosed, 1) == 0)
        {
            _input.Writer.Complete();
        }
    }

    private void Release()
    {
        if (RemoteClosed && Volatile.Read(ref _localClosed) != 0)
        {
            _session.Forget(this);
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        ReadResult result;
        try
        {
            result = await _input.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            return 0; // the reader was completed
        }

        var data = result.Buffer;
        var n = (int)Math.Min(data.Length, buffer.Length);
        data.Slice(0, n).CopyTo(buffer.Span);
        _input.Reader.AdvanceTo(data.GetPosition(n));
        if (n > 0)
        {
            _unacknowledged += n;
            if (_unacknowledged >= WindowUpdateThreshold && !_reset)
            {
                var delta = _unacknowledged;
                _unacknowledged = 0;
                await _session.SendWindowUpdateAsync(Id, delta).ConfigureAwait(false);
            }
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _localClosed) != 0 || _reset)
        {
            return ValueTask.FromException(new IOException($"SPDY stream {Id} is closed for writing."));
        }

        return buffer.IsEmpty ? ValueTask.CompletedTask : _session.SendDataAsync(this, buffer, fin: false, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("SPDY streams are asynchronous: use ReadAsync.");

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("SPDY streams are asynchronous: use WriteAsync.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
