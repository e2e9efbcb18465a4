using System.IO.Pipelines;
using Kube.Access.Channels;

namespace Kube.Access.PortForward;

/// <summary>A duplex stream over one port-forward WebSocket (data channel 0).</summary>
internal sealed class PortForwardStream : Stream
{
    private readonly PodPortTunnel _tunnel;
    private PipeReader? _reader;
    private int _disposed;

    public PortForwardStream(PodPortTunnel tunnel)
    {
        _tunnel = tunnel;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        try
        {
            _reader ??= await _tunnel.GetDataAsync(cancellationToken).ConfigureAwait(false);
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var available = result.Buffer;
            if (available.IsEmpty && result.IsCompleted)
            {
                _reader.AdvanceTo(available.End);
                if (_tunnel.Error.IsCompleted && await _tunnel.Error.ConfigureAwait(false) is { } error)
                {
                    throw error;
                }

                return 0;
            }

            var n = (int)Math.Min(available.Length, buffer.Length);
            var slice = available.Slice(0, n);
            System.Buffers.BuffersExtensions.CopyTo(slice, buffer.Span);
            _reader.AdvanceTo(slice.End);
            return n;
        }
        catch (WebSocketChannelException ex)
        {
            if (_tunnel.Error.IsCompleted && await _tunnel.Error.ConfigureAwait(false) is { } error)
            {
                throw error;
            }

            throw new PortForwardException($"lost connection to pod {_tunnel.Namespace}/{_tunnel.Pod} port {_tunnel.Port}: {ex.Message}", _tunnel.Namespace, _tunnel.Pod, _tunnel.Port, null, ex);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.IsEmpty)
        {
            return;
        }

        try
        {
            await _tunnel.Channels.WriteAsync(PodPortTunnel.DataChannel, buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketChannelException ex)
        {
            if (_tunnel.Error.IsCompleted && await _tunnel.Error.ConfigureAwait(false) is { } error)
            {
                throw error;
            }

            throw new PortForwardException($"lost connection to pod {_tunnel.Namespace}/{_tunnel.Pod} port {_tunnel.Port}: {ex.Message}", _tunnel.Namespace, _tunnel.Pod, _tunnel.Port, null, ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Port-forward streams are asynchronous: use ReadAsync.");

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Port-forward streams are asynchronous: use WriteAsync.");

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _tunnel.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Synchronous Dispose cannot wait: abort the WebSocket and let its loop finish in the background.
            _ = _tunnel.DisposeAsync().AsTask();
        }

        base.Dispose(disposing);
    }
}
