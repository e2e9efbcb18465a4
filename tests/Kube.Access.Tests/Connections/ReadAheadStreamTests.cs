using System.IO.Pipelines;
using FluentAssertions;
using Xunit;

namespace Kube.Access.Tests.Connections;

/// <summary>The read-ahead stream under every WebSocket: same bytes out, fewer reads of the socket.</summary>
public sealed class ReadAheadStreamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(139)]
    [InlineData(32 * 1024 + 14)]
    [InlineData(100_000)]
    public async Task Reads_of_any_size_return_the_inner_streams_bytes_in_order_with_one_inner_read_per_block(int readSize)
    {
        var data = new byte[300_000];
        new Random(7).NextBytes(data);
        var inner = new CountingStream(data);
        await using var stream = new ReadAheadStream(inner, 64 * 1024);

        var copy = new MemoryStream();
        var buffer = new byte[readSize];
        int n;
        while ((n = await stream.ReadAsync(buffer.AsMemory())) > 0)
        {
            copy.Write(buffer, 0, n);
        }

        copy.ToArray().Should().Equal(data);
        // 300,000 bytes in 64 KiB blocks: 5 reads with data and the one that sees the end.
        inner.Reads.Should().Be(6);
    }

    [Fact]
    public async Task A_zero_byte_read_completes_at_once_while_data_is_buffered()
    {
        var pipe = new Pipe();
        await using var stream = new ReadAheadStream(new DuplexPipeStream(pipe), 1024);
        await pipe.Writer.WriteAsync("abcdef"u8.ToArray());
        var first = new byte[2];
        (await stream.ReadAsync(first.AsMemory())).Should().Be(2);

        // Nothing more arrives on the inner stream: waiting on it here would hang.
        var zero = stream.ReadAsync(Memory<byte>.Empty);
        zero.IsCompleted.Should().BeTrue();
        (await zero).Should().Be(0);
        var rest = new byte[8];
        (await stream.ReadAsync(rest.AsMemory())).Should().Be(4);
        rest.AsSpan(0, 4).ToArray().Should().Equal("cdef"u8.ToArray());
    }

    [Fact]
    public async Task Writes_go_straight_through()
    {
        var pipe = new Pipe();
        await using var stream = new ReadAheadStream(new DuplexPipeStream(pipe), 1024);

        await stream.WriteAsync("abc"u8.ToArray());
        await stream.FlushAsync();

        var written = await pipe.Reader.ReadAsync();
        System.Buffers.BuffersExtensions.ToArray(written.Buffer).Should().Equal("abc"u8.ToArray());
    }

    [Fact]
    public async Task Disposing_during_a_pending_read_ends_that_read_and_later_reads_fail_as_disposed()
    {
        var pipe = new Pipe();
        var stream = new ReadAheadStream(new DuplexPipeStream(pipe), 1024);
        var pending = stream.ReadAsync(new byte[10]).AsTask();
        pending.IsCompleted.Should().BeFalse();

        await stream.DisposeAsync();

        await pending.Invoking(async p => await p).Should().ThrowAsync<Exception>();
        await stream.Invoking(async s => await s.ReadAsync(new byte[10])).Should().ThrowAsync<ObjectDisposedException>();
    }

    /// <summary>A read-only stream over a byte array that counts the reads it serves.</summary>
    private sealed class CountingStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public int Reads { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reads++;
            return base.ReadAsync(buffer, cancellationToken);
        }
    }

    /// <summary>Reads come from the pipe's reader; writes go to its writer; dispose completes both.</summary>
    private sealed class DuplexPipeStream(Pipe pipe) : Stream
    {
        private readonly Stream _read = pipe.Reader.AsStream();
        private readonly Stream _write = pipe.Writer.AsStream();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _read.ReadAsync(buffer, cancellationToken);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _write.WriteAsync(buffer, cancellationToken);

        public override Task FlushAsync(CancellationToken cancellationToken) => _write.FlushAsync(cancellationToken);

        public override void Flush() => _write.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                // What a socket stream does to a pending read when it is closed: the read ends.
                pipe.Reader.CancelPendingRead();
                pipe.Writer.Complete();
            }

            base.Dispose(disposing);
        }
    }
}
