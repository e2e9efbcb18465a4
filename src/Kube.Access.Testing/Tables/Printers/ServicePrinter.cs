using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Tables.Printers;

/// <summary>
/// Services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR. EXTERNAL-IP is the external IPs, a
/// load balancer's ingress (<c>&lt;pending&gt;</c> until it has one), the external name, or <c>&lt;none&gt;</c>;
/// PORT(S) is <c>port[:nodePort]/protocol</c>, comma-separated.
/// </summary>
internal sealed class ServicePrinter : TablePrinter
{
    private static readonly TableColumn[] Definitions =
    [
        TableColumn.NameColumn,
        new("Type", "string", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer."),
        new("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
        new("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
        new("Port(s)", "string", "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"),
        TableColumn.Age,
        TableColumn.Selector("Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/"),
    ];

    public override IReadOnlyList<TableColumn> Columns => Definitions;

    public override object[] Cells(JsonObject svc, DateTimeOffset now)
    {
        var spec = svc["spec"] as JsonObject;
        var type = Str(spec?["type"]);
        var clusterIp = (spec?["clusterIPs"] as JsonArray)?.Select(JsonUtilStr).FirstOrDefault(s => s.Length > 0) ?? Str(spec?["clusterIP"]);
        var ports = string.Join(',', Objects(spec?["ports"]).Select(p =>
        {
            var nodePort = Long(p["nodePort"]);
            var protocol = Str(p["protocol"]);
            return nodePort > 0 ? Itoa(Long(p["port"])) + ":" + Itoa(nodePort) + "/" + protocol : Itoa(Long(p["port"])) + "/" + protocol;
        }));
        return
        [
            Name(svc),
            type,
            clusterIp.Length == 0 ? "<none>" : clusterIp,
            ExternalIp(svc, type),
            ports.Length == 0 ? "<none>" : ports,
            Age(svc, now),
            FormatLabels(spec?["selector"]),
        ];
    }

    private static string JsonUtilStr(JsonNode? n) => Str(n);

    private static string ExternalIp(JsonObject svc, string type)
    {
        var externalIps = (svc["spec"]?["externalIPs"] as JsonArray)?.Select(JsonUtilStr).ToList() ?? [];
        switch (type)
        {
            case "ClusterIP":
            case "NodePort":
                return externalIps.Count > 0 ? string.Join(',', externalIps) : "<none>";
            case "LoadBalancer":
                // The server prints wide: the ingress list is never truncated.
                var ingress = Objects(svc["status"]?["loadBalancer"]?["ingress"])
                    .Select(i => Str(i["ip"]) is { Length: > 0 } ip ? ip : Str(i["hostname"]))
                    .Where(s => s.Length > 0)
                    .ToList();
                var all = ingress.Concat(externalIps).ToList();
                return all.Count > 0 ? string.Join(',', all) : "<pending>";
            case "ExternalName":
                return Str(svc["spec"]?["externalName"]);
            default:
                return "<unknown>";
        }
    }
}
