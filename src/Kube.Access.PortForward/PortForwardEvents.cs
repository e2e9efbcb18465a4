using System.Net;

namespace Kube.Access.PortForward;

/// <summary>One local endpoint of a forward: where it listens and where it leads.</summary>
/// <param name="LocalEndPoint">The bound local endpoint (a random port resolved to its number).</param>
/// <param name="Mapping">The port spec it came from.</param>
/// <param name="PodPort">The pod port it forwards to (for services: the target port of the chosen pod).</param>
public sealed record ForwardedPort(IPEndPoint LocalEndPoint, PortMapping Mapping, int PodPort)
{
    /// <summary>kubectl's line for this endpoint: <c>Forwarding from 127.0.0.1:28015 -> 27017</c>.</summary>
    public string KubectlLine => $"Forwarding from {FormatEndPoint(LocalEndPoint)} -> {PodPort}";

    internal static string FormatEndPoint(IPEndPoint endPoint) =>
        endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]:{endPoint.Port}" : $"{endPoint.Address}:{endPoint.Port}";
}

/// <summary>A forwarded TCP connection.</summary>
/// <param name="Id">A number unique within the forward.</param>
/// <param name="Listener">The local endpoint that accepted it.</param>
/// <param name="Client">The local client's endpoint.</param>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Pod">The pod it is forwarded to.</param>
/// <param name="PodPort">The pod port.</param>
public sealed record PortForwardConnection(long Id, IPEndPoint Listener, IPEndPoint? Client, string Namespace, string Pod, int PodPort)
{
    /// <summary>kubectl's line: <c>Handling connection for 28015</c>.</summary>
    public string KubectlLine => $"Handling connection for {Listener.Port}";
}

/// <summary>A forwarded connection ended.</summary>
/// <param name="Connection">The connection.</param>
/// <param name="BytesToPod">Bytes sent from the local client to the pod.</param>
/// <param name="BytesFromPod">Bytes sent from the pod to the local client.</param>
/// <param name="Duration">How long it was open.</param>
/// <param name="Error">Why it failed, or null when it ended normally.</param>
public sealed record PortForwardConnectionClosed(PortForwardConnection Connection, long BytesToPod, long BytesFromPod, TimeSpan Duration, PortForwardException? Error);

/// <summary>A deployment, replica set or service forward moved to another pod (beyond kubectl).</summary>
/// <param name="PreviousPod">The pod it used so far.</param>
/// <param name="Pod">The pod new connections now reach.</param>
/// <param name="Reason">Why: the previous pod was deleted, stopped running, ...</param>
public sealed record PortForwardPodChanged(string? PreviousPod, string Pod, string Reason);
