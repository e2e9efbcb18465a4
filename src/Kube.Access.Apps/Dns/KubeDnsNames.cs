using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace Kube.Access.Dns;

/// <summary>The kind of a cluster DNS record.</summary>
public enum DnsRecordType
{
    /// <summary>An IPv4 address record.</summary>
    A,

    /// <summary>An IPv6 address record.</summary>
    AAAA,

    /// <summary>A service record: <c>_port._proto.svc.ns.svc.domain</c> naming a port and a target host.</summary>
    SRV,

    /// <summary>An alias (ExternalName services).</summary>
    CNAME,
}

/// <summary>One DNS record the cluster DNS serves.</summary>
/// <param name="Name">The fully qualified name (without the trailing dot).</param>
/// <param name="Type">The record type.</param>
/// <param name="Value">The address (A/AAAA), the target host (SRV/CNAME).</param>
/// <param name="Port">The port (SRV only).</param>
public sealed record DnsRecord(string Name, DnsRecordType Type, string Value, int? Port = null)
{
    /// <inheritdoc />
    public override string ToString() => Type == DnsRecordType.SRV ? $"{Name} SRV 0 100 {Port} {Value}" : $"{Name} {Type} {Value}";
}

/// <summary>
/// The names the Kubernetes DNS specification gives services and pods (what CoreDNS's kubernetes plugin serves):
/// <c>svc.ns.svc.domain</c>, <c>_port._proto.svc.ns.svc.domain</c>, <c>hostname.subdomain.ns.svc.domain</c> and
/// <c>a-b-c-d.ns.pod.domain</c>.
/// </summary>
public static class KubeDnsNames
{
    /// <summary>The default cluster domain.</summary>
    public const string DefaultClusterDomain = "cluster.local";

    /// <summary>A service's A/AAAA name: <c>service.namespace.svc.domain</c>.</summary>
    public static string Service(string service, string @namespace, string clusterDomain = DefaultClusterDomain) =>
        $"{Require(service, nameof(service))}.{Require(@namespace, nameof(@namespace))}.svc.{Domain(clusterDomain)}";

    /// <summary>The short names that resolve from pods: in the same namespace, from another namespace, and with <c>.svc</c>.</summary>
    public static IReadOnlyList<string> ServiceSearchNames(string service, string @namespace) =>
        [service, $"{service}.{@namespace}", $"{service}.{@namespace}.svc"];

    /// <summary>A named port's SRV name: <c>_port._protocol.service.namespace.svc.domain</c>.</summary>
    public static string ServiceSrv(string portName, string protocol, string service, string @namespace, string clusterDomain = DefaultClusterDomain) =>
        $"_{Require(portName, nameof(portName))}._{Require(protocol, nameof(protocol)).ToLowerInvariant()}.{Service(service, @namespace, clusterDomain)}";

    /// <summary>A pod's A/AAAA name: its IP with '.' (or ':') replaced by '-', then <c>.namespace.pod.domain</c>.</summary>
    public static string Pod(string podIp, string @namespace, string clusterDomain = DefaultClusterDomain) =>
        $"{DashedIp(podIp)}.{Require(@namespace, nameof(@namespace))}.pod.{Domain(clusterDomain)}";

    /// <summary>
    /// A pod's name behind a headless service: <c>hostname.subdomain.namespace.svc.domain</c> when the pod sets
    /// <c>spec.hostname</c> and <c>spec.subdomain</c> (the service name); otherwise the dashed IP takes the hostname's place.
    /// </summary>
    public static string HeadlessPod(string hostnameOrIp, string service, string @namespace, string clusterDomain = DefaultClusterDomain)
    {
        var host = IPAddress.TryParse(hostnameOrIp, out _) ? DashedIp(hostnameOrIp) : Require(hostnameOrIp, nameof(hostnameOrIp));
        return $"{host}.{Service(service, @namespace, clusterDomain)}";
    }

    /// <summary>An IP address with '.' and ':' replaced by '-' (<c>10.244.1.5</c> to <c>10-244-1-5</c>).</summary>
    public static string DashedIp(string ip)
    {
        if (!IPAddress.TryParse(Require(ip, nameof(ip)), out var address))
            throw new ArgumentException($"\"{ip}\" is not an IP address.", nameof(ip));
        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? address.ToString().Replace(':', '-')
            : address.ToString().Replace('.', '-');
    }

    /// <summary>
    /// Every record the cluster DNS serves for <paramref name="service"/>: A/AAAA for each cluster IP, an SRV for
    /// each named port; for headless services an A/AAAA per ready endpoint address (named by hostname or dashed IP),
    /// SRV records per endpoint; a CNAME for ExternalName services.
    /// </summary>
    public static IReadOnlyList<DnsRecord> RecordsFor(V1Service service, V1Endpoints? endpoints = null, string clusterDomain = DefaultClusterDomain)
    {
        ArgumentNullException.ThrowIfNull(service);
        var name = service.Metadata?.Name ?? throw new ArgumentException("The service has no name.", nameof(service));
        var ns = service.Metadata.NamespaceProperty ?? "default";
        var fqdn = Service(name, ns, clusterDomain);
        var records = new List<DnsRecord>();
        var spec = service.Spec ?? new V1ServiceSpec();

        if (spec.Type == "ExternalName")
        {
            if (!string.IsNullOrEmpty(spec.ExternalName)) records.Add(new DnsRecord(fqdn, DnsRecordType.CNAME, spec.ExternalName));
            return records;
        }

        var headless = spec.ClusterIP == "None";
        if (!headless)
        {
            var ips = spec.ClusterIPs is { Count: > 0 } list ? list : (string.IsNullOrEmpty(spec.ClusterIP) ? [] : [spec.ClusterIP]);
            foreach (var ip in ips) records.Add(new DnsRecord(fqdn, AddressType(ip), ip));
            foreach (var port in spec.Ports ?? [])
                if (!string.IsNullOrEmpty(port.Name))
                    records.Add(new DnsRecord(ServiceSrv(port.Name, port.Protocol ?? "TCP", name, ns, clusterDomain), DnsRecordType.SRV, fqdn, port.Port));
            return records;
        }

        foreach (var subset in endpoints?.Subsets ?? [])
        {
            foreach (var address in subset.Addresses ?? [])
            {
                var host = HeadlessPod(string.IsNullOrEmpty(address.Hostname) ? address.Ip : address.Hostname, name, ns, clusterDomain);
                records.Add(new DnsRecord(fqdn, AddressType(address.Ip), address.Ip));
                records.Add(new DnsRecord(host, AddressType(address.Ip), address.Ip));
                foreach (var port in subset.Ports ?? [])
                    if (!string.IsNullOrEmpty(port.Name))
                        records.Add(new DnsRecord(ServiceSrv(port.Name, port.Protocol ?? "TCP", name, ns, clusterDomain), DnsRecordType.SRV, host, port.Port));
            }
        }
        return records;
    }

    private static DnsRecordType AddressType(string ip) =>
        IPAddress.TryParse(ip, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6 ? DnsRecordType.AAAA : DnsRecordType.A;

    private static string Domain(string clusterDomain)
    {
        var d = Require(clusterDomain, nameof(clusterDomain)).Trim().TrimEnd('.');
        return d.Length == 0 ? throw new ArgumentException("The cluster domain is empty.", nameof(clusterDomain)) : d;
    }

    private static string Require(string value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{name} must not be empty.", name) : value;
}
