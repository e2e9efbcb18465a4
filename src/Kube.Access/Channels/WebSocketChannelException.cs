namespace Kube.Access.Channels;

/// <summary>
/// The channel WebSocket failed (dropped connection, protocol violation, use after close). Incoming
/// channel readers complete with this exception when the connection ends abnormally.
/// </summary>
public class WebSocketChannelException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public WebSocketChannelException(string message, byte? channel = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Channel = channel;
    }

    /// <summary>The channel concerned, when the error is about one.</summary>
    public byte? Channel { get; }
}
