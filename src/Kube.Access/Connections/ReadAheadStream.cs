using System.Buffers;
using System.Runtime.CompilerServices;

namespace Kube.Access;

/// <summary>
/// A duplex stream that reads its inner stream in pooled blocks of a fixed size and serves reads from them;
/// writes and flushes go straight through. Meant for one reader at a time (a WebSocket's receive loop) beside
/// one writer. The block goes back to the pool on dispose, or when a read still running at that moment ends.
/// </summary>
internal sealed class ReadAheadStream : Stream
{
    private readonly Stream _inner;
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private int _reading;
    private int _disposed;

    public ReadAheadStream(Stream inner, int size)
    {
        _inner = inner;
        _buffer = ArrayPool<byte>.Shared.Rent(size);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => _inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            // A zero-byte read waits for data: with data buffered it is there already.
            return _start < _end ? new ValueTask<int>(0) : _inner.ReadAsync(buffer, cancellationToken);
        }

        var block = BeginRead();
        if (_start < _end)
        {
            try
            {
                return new ValueTask<int>(TakeBuffered(block, buffer.Span));
            }
            finally
            {
                EndRead();
            }
        }

        return FillAndReadAsync(block, buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        var block = BeginRead();
        try
        {
            if (_start == _end)
            {
                _start = 0;
                _end = _inner.Read(block);
            }

            return TakeBuffered(block, buffer);
        }
        finally
        {
            EndRead();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (MarkDisposed())
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
            ReturnUnlessReading();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && MarkDisposed())
        {
            _inner.Dispose();
            ReturnUnlessReading();
        }

        base.Dispose(disposing);
    }

    /// <summary>Refills the block with one read of the inner stream (the caller has called <see cref="BeginRead"/>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> FillAndReadAsync(byte[] block, Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            _start = 0;
            _end = await _inner.ReadAsync(block, cancellationToken).ConfigureAwait(false);
            return TakeBuffered(block, destination.Span);
        }
        finally
        {
            EndRead();
        }
    }

    private int TakeBuffered(byte[] block, Span<byte> destination)
    {
        var count = Math.Min(destination.Length, _end - _start);
        if (count > 0)
        {
            block.AsSpan(_start, count).CopyTo(destination);
            _start += count;
        }

        return count;
    }

    /// <summary>Marks a read as running; the block stays out of the pool until <see cref="EndRead"/>.</summary>
    private byte[] BeginRead()
    {
        Interlocked.Exchange(ref _reading, 1);
        if (Volatile.Read(ref _disposed) != 0 || _buffer is not { } block)
        {
            Interlocked.Exchange(ref _reading, 0);
            ReturnBlock();
            throw new ObjectDisposedException(nameof(ReadAheadStream));
        }

        return block;
    }

    private void EndRead()
    {
        Interlocked.Exchange(ref _reading, 0);
        if (Volatile.Read(ref _disposed) != 0)
        {
            _start = _end = 0;
            ReturnBlock();
        }
    }

    private bool MarkDisposed() => Interlocked.Exchange(ref _disposed, 1) == 0;

    private void ReturnUnlessReading()
    {
        if (Volatile.Read(ref _reading) == 0)
        {
            ReturnBlock();
        }
    }

    private void ReturnBlock()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } block)
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }
}
