namespace Kube.Access.Channels;

/// <summary>
/// The WebSocket subprotocols of the Kubernetes streaming subresources (exec, attach, port-forward)
/// and the framing constants they share: every binary message starts with one byte naming its
/// channel, the rest is that channel's data.
/// </summary>
public static class ChannelProtocols
{
    /// <summary><c>v4.channel.k8s.io</c>: binary channel framing, status channel as a Kubernetes <c>Status</c>.</summary>
    public const string V4 = "v4.channel.k8s.io";

    /// <summary><c>v5.channel.k8s.io</c>: v4 plus the close-channel frame (channel 255, one byte naming the closed channel).</summary>
    public const string V5 = "v5.channel.k8s.io";

    /// <summary><c>portforward.k8s.io</c>: the port-forward framing (same binary layout as v4).</summary>
    public const string PortForward = "portforward.k8s.io";

    /// <summary>The channel of the v5 close-channel frame; its payload names the channel that was closed.</summary>
    public const byte CloseChannel = 255;
}
