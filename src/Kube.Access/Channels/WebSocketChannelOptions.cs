namespace Kube.Access.Channels;

/// <summary>Buffering limits of a <see cref="WebSocketChannelConnection"/>.</summary>
public sealed record WebSocketChannelOptions
{
    /// <summary>The default options.</summary>
    public static WebSocketChannelOptions Default { get; } = new();

    /// <summary>
    /// Bytes one incoming channel may hold unread before the connection stops reading the WebSocket
    /// (back-pressure: the server's sends then block on TCP). Reading resumes below half of it.
    /// Default 1 MiB.
    /// </summary>
    public int MaxBufferedBytesPerChannel { get; init; } = 1024 * 1024;

    /// <summary>The largest payload put in one outgoing frame; longer writes are split. Default 32 KiB.</summary>
    public int MaxFramePayload { get; init; } = 32 * 1024;

    /// <summary>
    /// The size asked of the pool for each incoming read. Default 64 KiB: a 32 KiB frame (what the kubelet
    /// writes) then takes two socket receives (header, payload) instead of three.
    /// </summary>
    public int ReceiveSegmentSize { get; init; } = 64 * 1024;

    /// <summary>
    /// When true, a channel reader's continuation runs on the connection's read loop as soon as a frame
    /// has been delivered (no thread-pool hop per frame). Only for readers that never block: while the
    /// continuation runs, the WebSocket is not read. Default false.
    /// </summary>
    public bool RunReaderContinuationsInline { get; init; }

    internal void Validate()
    {
        if (MaxBufferedBytesPerChannel < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBufferedBytesPerChannel), MaxBufferedBytesPerChannel, "must be at least 1024 bytes");
        }

        if (MaxFramePayload < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFramePayload), MaxFramePayload, "must be positive");
        }

        if (ReceiveSegmentSize < 256)
        {
            throw new ArgumentOutOfRangeException(nameof(ReceiveSegmentSize), ReceiveSegmentSize, "must be at least 256 bytes");
        }
    }
}
