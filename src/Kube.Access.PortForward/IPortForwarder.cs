namespace Kube.Access.PortForward;

/// <summary>
/// <c>kubectl port-forward</c> as an API: local listeners forwarding to a pod, deployment, replica set
/// or service, and single in-process streams to a pod port.
/// </summary>
public interface IPortForwarder
{
    /// <summary>
    /// Resolves <paramref name="target"/> to a pod as kubectl does, binds a listener per port spec and
    /// address, and returns the running forward. The forward runs until disposed or until
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <exception cref="PortForwardException">The target has no running pod, a port cannot be translated or is UDP, or no listener could be bound.</exception>
    Task<PortForwardSession> StartAsync(PortForwardTarget target, IReadOnlyList<PortMapping> ports, PortForwardOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens one duplex stream to <paramref name="port"/> of <paramref name="pod"/>, with no listener
    /// (for an <c>HttpClient</c>'s <c>ConnectCallback</c>, a database driver, ...). Disposing the stream closes it.
    /// </summary>
    ValueTask<Stream> OpenStreamAsync(string pod, int port, string? @namespace = null, CancellationToken cancellationToken = default);
}

/// <summary>String conveniences for <see cref="IPortForwarder"/>, with kubectl's argument syntax.</summary>
public static class PortForwarderExtensions
{
    /// <summary>
    /// <c>kubectl port-forward TARGET PORT...</c>: <paramref name="target"/> is <c>TYPE/NAME</c> or a pod
    /// name, each of <paramref name="ports"/> is <c>[LOCAL:]REMOTE</c>.
    /// </summary>
    public static Task<PortForwardSession> StartAsync(this IPortForwarder forwarder, string target, IEnumerable<string> ports, string? @namespace = null, PortForwardOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(forwarder);
        ArgumentNullException.ThrowIfNull(ports);
        var parsedTarget = PortForwardTarget.Parse(target, @namespace);
        var parsedPorts = ports.Select(PortMapping.Parse).ToList();
        return forwarder.StartAsync(parsedTarget, parsedPorts, options, cancellationToken);
    }
}
