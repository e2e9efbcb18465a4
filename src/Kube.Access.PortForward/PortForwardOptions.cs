namespace Kube.Access.PortForward;

/// <summary>How a port-forward listens and behaves (defaults match <c>kubectl port-forward</c>).</summary>
public sealed class PortForwardOptions
{
    /// <summary>
    /// Addresses to listen on: IP addresses or <c>localhost</c> (127.0.0.1 and ::1, each where available;
    /// it fails only when neither can be bound). Default <c>localhost</c>.
    /// </summary>
    public IReadOnlyList<string> Addresses { get; set; } = ["localhost"];

    /// <summary>How long to wait for a pod of a deployment, replica set or service to exist. Default 1 minute (kubectl's <c>--pod-running-timeout</c>).</summary>
    public TimeSpan PodRunningTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Beyond kubectl: a deployment, replica set or service target moves to another ready pod when its
    /// pod goes away (watched); new connections then reach the new pod. Pod targets never move. Default true.
    /// </summary>
    public bool FollowTargetPods { get; set; } = true;

    /// <summary>Beyond kubectl: a service target spreads new connections over all its ready pods, round robin. Default false.</summary>
    public bool LoadBalanceServicePods { get; set; }

    /// <summary>
    /// Beyond kubectl: when set, an idle connection sends an empty data frame at this interval so that
    /// load balancers in front of the API server keep the WebSocket open. Default off.
    /// </summary>
    public TimeSpan? KeepAliveInterval { get; set; }

    /// <summary>
    /// The pooled buffer a local socket is read into: one WebSocket frame per read, carrying up to
    /// BufferSize - 15 bytes (room for the channel byte and the WebSocket header in the same pool bucket). Default 32 KiB.
    /// </summary>
    public int BufferSize { get; set; } = 32 * 1024;

    /// <summary>Bytes buffered from the pod per connection before reading the WebSocket pauses (TCP then slows the pod). Default 256 KiB.</summary>
    public int MaxBufferedBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// How many times in a row opening a connection's tunnel may fail with a transport error (the API server
    /// refused the TCP connection, reset it, failed TLS) before the session gives up: it stops its listeners and
    /// <see cref="PortForwardSession.Completion"/> faults with a <see cref="PortForwardApiServerLostException"/>, as
    /// <c>kubectl port-forward</c> exits when it loses its connection. A new local connection retries (with a short
    /// pause) until this count is reached; any success resets it. A pod refusing its port never counts. Default 3.
    /// </summary>
    public int ApiServerConnectAttempts { get; set; } = 3;

    /// <summary>
    /// Called with the new session before its listeners accept any connection: attach the
    /// <see cref="PortForwardSession.ConnectionOpened"/>, <see cref="PortForwardSession.ConnectionClosed"/> and
    /// <see cref="PortForwardSession.PodChanged"/> handlers here so that no early event is missed. Default none.
    /// </summary>
    public Action<PortForwardSession>? OnStarting { get; set; }

    internal void Validate()
    {
        if (Addresses is null || Addresses.Count == 0)
        {
            throw new PortForwardSpecException("At least one listen address is required.", string.Empty);
        }

        if (BufferSize is < 1024 or > 1024 * 1024)
        {
            throw new PortForwardSpecException($"BufferSize {BufferSize} is out of range 1 KiB-1 MiB.", BufferSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (MaxBufferedBytes < 4096)
        {
            throw new PortForwardSpecException($"MaxBufferedBytes {MaxBufferedBytes} is below 4 KiB.", MaxBufferedBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (ApiServerConnectAttempts is < 1 or > 100)
        {
            throw new PortForwardSpecException($"ApiServerConnectAttempts {ApiServerConnectAttempts} is out of range 1-100.", ApiServerConnectAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (KeepAliveInterval is { } k && k <= TimeSpan.Zero)
        {
            throw new PortForwardSpecException("KeepAliveInterval must be positive.", k.ToString());
        }
    }
}
