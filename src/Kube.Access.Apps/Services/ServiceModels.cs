using k8s.Models;

namespace Kube.Access.Services;

/// <summary>What <see cref="IServiceAccess.ExposeAsync"/> exposes and how (the flags of <c>kubectl expose</c>).</summary>
public sealed record ExposeRequest
{
    /// <summary>The kind of object to expose: <c>deployment</c>, <c>replicaset</c>, <c>replicationcontroller</c>, <c>pod</c> or <c>service</c> (kubectl's short names work too).</summary>
    public required string Kind { get; init; }

    /// <summary>The object's name.</summary>
    public required string Name { get; init; }

    /// <summary>The namespace (default: the connection's).</summary>
    public string? Namespace { get; init; }

    /// <summary>The new service's name (<c>--name</c>); default the object's name (cut to 63 characters).</summary>
    public string? ServiceName { get; init; }

    /// <summary><c>ClusterIP</c> (default), <c>NodePort</c>, <c>LoadBalancer</c> or <c>ExternalName</c> (<c>--type</c>).</summary>
    public string? Type { get; init; }

    /// <summary>The service port (<c>--port</c>); default the object's container (or service) ports.</summary>
    public int? Port { get; init; }

    /// <summary>The target port, a number or a port name (<c>--target-port</c>); default the same as each port.</summary>
    public string? TargetPort { get; init; }

    /// <summary>The protocol for every port (<c>--protocol</c>); default each port's own protocol, else TCP.</summary>
    public string? Protocol { get; init; }

    /// <summary>The name of the port when the service gets one port (multiple ports are named port-1, port-2, ...).</summary>
    public string? PortName { get; init; }

    /// <summary>Labels for the service (<c>--labels</c>); default the object's labels.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>The selector (<c>--selector</c>); default derived from the object.</summary>
    public IReadOnlyDictionary<string, string>? Selector { get; init; }

    /// <summary><c>None</c> or <c>ClientIP</c> (<c>--session-affinity</c>).</summary>
    public string? SessionAffinity { get; init; }

    /// <summary>A cluster IP, or <c>None</c> for a headless service (<c>--cluster-ip</c>).</summary>
    public string? ClusterIP { get; init; }

    /// <summary>An external IP (<c>--external-ip</c>).</summary>
    public string? ExternalIP { get; init; }

    /// <summary>The load balancer IP for <c>LoadBalancer</c> services (<c>--load-balancer-ip</c>).</summary>
    public string? LoadBalancerIP { get; init; }

    /// <summary>Ask the server to validate only (<c>--dry-run=server</c>).</summary>
    public bool DryRun { get; init; }
}

/// <summary>One port of a described service.</summary>
/// <param name="Name">The port name (<c>&lt;unset&gt;</c> in kubectl when empty).</param>
/// <param name="Port">The service port.</param>
/// <param name="Protocol">TCP, UDP or SCTP.</param>
/// <param name="TargetPort">The target port (number or name).</param>
/// <param name="NodePort">The node port, for NodePort and LoadBalancer services.</param>
/// <param name="Endpoints">The ready endpoints as <c>ip:port</c>.</param>
public sealed record ServicePortDescription(string? Name, int Port, string Protocol, string TargetPort, int? NodePort, IReadOnlyList<string> Endpoints);

/// <summary>The facts <c>kubectl describe service</c> shows.</summary>
/// <param name="Name">The service name.</param>
/// <param name="Namespace">Its namespace.</param>
/// <param name="Labels">Its labels.</param>
/// <param name="Annotations">Its annotations.</param>
/// <param name="Selector">Its selector.</param>
/// <param name="Type">ClusterIP, NodePort, LoadBalancer or ExternalName.</param>
/// <param name="IPFamilyPolicy">SingleStack, PreferDualStack or RequireDualStack.</param>
/// <param name="ClusterIPs">The cluster IPs.</param>
/// <param name="ExternalIPs">External IPs set on the spec.</param>
/// <param name="LoadBalancerIngress">Load balancer ingress IPs or host names.</param>
/// <param name="ExternalName">The ExternalName target, for ExternalName services.</param>
/// <param name="Ports">The ports with their endpoints.</param>
/// <param name="SessionAffinity">None or ClientIP.</param>
/// <param name="ExternalTrafficPolicy">Cluster or Local, for NodePort/LoadBalancer services.</param>
public sealed record ServiceDescription(
    string Name,
    string Namespace,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    IReadOnlyDictionary<string, string> Selector,
    string Type,
    string? IPFamilyPolicy,
    IReadOnlyList<string> ClusterIPs,
    IReadOnlyList<string> ExternalIPs,
    IReadOnlyList<string> LoadBalancerIngress,
    string? ExternalName,
    IReadOnlyList<ServicePortDescription> Ports,
    string SessionAffinity,
    string? ExternalTrafficPolicy)
{
    /// <summary>The text kubectl prints, field by field.</summary>
    public override string ToString()
    {
        static string Map(IReadOnlyDictionary<string, string> m) => m.Count == 0 ? "<none>" : string.Join(",", m.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"Name:              {Name}");
        sb.AppendLine($"Namespace:         {Namespace}");
        sb.AppendLine($"Labels:            {Map(Labels)}");
        sb.AppendLine($"Annotations:       {(Annotations.Count == 0 ? "<none>" : string.Join(",", Annotations.Keys))}");
        sb.AppendLine($"Selector:          {Map(Selector)}");
        sb.AppendLine($"Type:              {Type}");
        if (IPFamilyPolicy is not null) sb.AppendLine($"IP Family Policy:  {IPFamilyPolicy}");
        if (ClusterIPs.Count > 0) sb.AppendLine($"IP:                {ClusterIPs[0]}");
        if (ClusterIPs.Count > 0) sb.AppendLine($"IPs:               {string.Join(",", ClusterIPs)}");
        if (ExternalIPs.Count > 0) sb.AppendLine($"External IPs:      {string.Join(",", ExternalIPs)}");
        if (LoadBalancerIngress.Count > 0) sb.AppendLine($"LoadBalancer Ingress:     {string.Join(", ", LoadBalancerIngress)}");
        if (ExternalName is not null) sb.AppendLine($"External Name:     {ExternalName}");
        foreach (var p in Ports)
        {
            sb.AppendLine($"Port:              {p.Name ?? "<unset>"}  {p.Port}/{p.Protocol}");
            sb.AppendLine($"TargetPort:        {p.TargetPort}/{p.Protocol}");
            if (p.NodePort is { } np) sb.AppendLine($"NodePort:          {p.Name ?? "<unset>"}  {np}/{p.Protocol}");
            sb.AppendLine($"Endpoints:         {(p.Endpoints.Count == 0 ? "<none>" : string.Join(",", p.Endpoints))}");
        }
        sb.AppendLine($"Session Affinity:  {SessionAffinity}");
        if (ExternalTrafficPolicy is not null) sb.AppendLine($"External Traffic Policy:  {ExternalTrafficPolicy}");
        return sb.ToString();
    }
}

/// <summary>How an access point reaches the service.</summary>
public enum AccessPointKind
{
    /// <summary>The in-cluster DNS name with the port (from pods).</summary>
    ClusterDns,

    /// <summary>The cluster IP with the port (from pods and nodes).</summary>
    ClusterIP,

    /// <summary>A node's address with the node port (from outside, firewall permitting).</summary>
    NodePort,

    /// <summary>The load balancer's ingress IP or host name with the port (from outside).</summary>
    LoadBalancer,

    /// <summary>An external IP set on the service.</summary>
    ExternalIP,

    /// <summary>The API server's proxy URL (with credentials for the API server).</summary>
    ApiServerProxy,

    /// <summary>A local port forwarded through the API server.</summary>
    PortForward,
}

/// <summary>One way to reach a service.</summary>
/// <param name="Kind">How.</param>
/// <param name="Description">A human label (e.g. <c>node worker1 ExternalIP</c>).</param>
/// <param name="Host">The host, IP or DNS name (null for the port-forward command).</param>
/// <param name="Port">The port to connect to.</param>
/// <param name="Protocol">TCP, UDP or SCTP.</param>
/// <param name="Url">A URL when one applies (proxy URL, http URL guess), or the command line for port-forward.</param>
public sealed record ServiceAccessPoint(AccessPointKind Kind, string Description, string? Host, int? Port, string Protocol, string? Url)
{
    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        AccessPointKind.ApiServerProxy or AccessPointKind.PortForward => $"{Kind,-15} {Description}: {Url}",
        _ => $"{Kind,-15} {Description}: {Host}:{Port}/{Protocol}",
    };
}

/// <summary>A change seen while waiting for a load balancer.</summary>
/// <param name="EventType">ADDED, MODIFIED, DELETED, or INITIAL for the first read.</param>
/// <param name="Service">The service as seen.</param>
/// <param name="ExternalAddress">The ingress IP or host name, when assigned (<c>&lt;pending&gt;</c> otherwise in kubectl).</param>
public sealed record ServiceWatchEvent(string EventType, V1Service Service, string? ExternalAddress);

/// <summary>The load balancer address of a service.</summary>
/// <param name="Service">The service with its ingress.</param>
/// <param name="Addresses">The ingress IPs or host names.</param>
public sealed record ExternalAddress(V1Service Service, IReadOnlyList<string> Addresses)
{
    /// <summary>The first address.</summary>
    public string Address => Addresses[0];
}

/// <summary>A service operation failed: the object, the service and what went wrong.</summary>
public class ServiceAccessException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public ServiceAccessException(string message, string @namespace, string name, Exception? innerException = null)
        : base(message, innerException)
    {
        Namespace = @namespace;
        Name = name;
    }

    /// <summary>The namespace.</summary>
    public string Namespace { get; }

    /// <summary>The object or service name.</summary>
    public string Name { get; }
}

/// <summary>No load balancer address appeared in time.</summary>
public sealed class ExternalAddressTimeoutException : ServiceAccessException
{
    /// <summary>Creates the exception.</summary>
    public ExternalAddressTimeoutException(string @namespace, string name, TimeSpan timeout)
        : base($"service {@namespace}/{name} got no load balancer ingress within {timeout.TotalSeconds:0.#} s (EXTERNAL-IP still <pending>)", @namespace, name)
    {
        Timeout = timeout;
    }

    /// <summary>How long was waited.</summary>
    public TimeSpan Timeout { get; }
}
