using System.Buffers;

namespace Kube.Access.Testing.Streaming;

/// <summary>
/// A write-only stream whose writes become frames on one channel (pooled frame buffers; a
/// slow client slows the writer). Optionally translates <c>\n</c> to <c>\r\n</c> as a tty does.
/// </summary>
internal sealed class ChannelOutputStream : Stream
{
    private readonly ChannelWebSocket _socket;
    private readonly byte _channel;
    private readonly bool _enabled;
    private readonly bool _translateNewlines;
    private readonly CancellationToken _lifetime;

    public ChannelOutputStream(ChannelWebSocket socket, byte channel, bool enabled, bool translateNewlines, CancellationToken lifetime)
    {
        _socket = socket;
        _channel = channel;
        _enabled = enabled;
        _translateNewlines = translateNewlines;
        _lifetime = lifetime;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_enabled || buffer.IsEmpty)
        {
            return;
        }

        // The caller's token is derived from the connection's lifetime when it can be cancelled at all.
        var ct = cancellationToken.CanBeCanceled ? cancellationToken : _lifetime;
        var frame = ArrayPool<byte>.Shared.Rent(ChannelWebSocket.FrameSize);
        try
        {
            frame[0] = _channel;
            var input = buffer;
            while (!input.IsEmpty)
            {
                var count = 1;
                var consumed = 0;
                var span = input.Span;
                if (_translateNewlines)
                {
                    while (consumed < span.Length && count < ChannelWebSocket.FrameSize - 1)
                    {
                        var b = span[consumed++];
                        if (b == (byte)'\n')
                        {
                            frame[count++] = (byte)'\r';
                        }

                        frame[count++] = b;
                    }
                }
                else
                {
                    consumed = Math.Min(span.Length, ChannelWebSocket.FrameSize - 1);
                    span[..consumed].CopyTo(frame.AsSpan(1));
                    count += consumed;
                }

                if (!await _socket.SendFrameAsync(frame.AsMemory(0, count), ct).ConfigureAwait(false))
                {
                    throw new IOException("The exec connection is closed.");
                }

                input = input[consumed..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    /// <summary>Synchronous writes would block on the network: use <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>.</summary>
    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Exec output streams are asynchronous: use WriteAsync.");

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
