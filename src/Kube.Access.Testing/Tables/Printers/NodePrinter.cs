using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Tables.Printers;

/// <summary>
/// Nodes: NAME STATUS ROLES AGE VERSION | INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME.
/// STATUS is Ready/NotReady/Unknown, plus SchedulingDisabled when cordoned; ROLES come from the
/// <c>node-role.kubernetes.io/*</c> and <c>kubernetes.io/role</c> labels.
/// </summary>
internal sealed class NodePrinter : TablePrinter
{
    private static readonly TableColumn[] Definitions =
    [
        TableColumn.NameColumn,
        new("Status", "string", "The status of the node"),
        new("Roles", "string", "The roles of the node"),
        TableColumn.Age,
        new("Version", "string", "Kubelet Version reported by the node."),
        new("Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses", 1),
        new("External-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses", 1),
        new("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
        new("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
        new("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
    ];

    public override IReadOnlyList<TableColumn> Columns => Definitions;

    public override object[] Cells(JsonObject node, DateTimeOffset now)
    {
        var status = new List<string>();
        if (Objects(node["status"]?["conditions"]).LastOrDefault(c => Str(c["type"]) == "Ready") is { } ready)
        {
            status.Add(Str(ready["status"]) == "True" ? "Ready" : "NotReady");
        }
        if (status.Count == 0)
        {
            status.Add("Unknown");
        }
        if (node["spec"]?["unschedulable"] is JsonValue v && v.TryGetValue<bool>(out var unschedulable) && unschedulable)
        {
            status.Add("SchedulingDisabled");
        }
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        if (node["metadata"]?["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                if (key.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal) && key.Length > "node-role.kubernetes.io/".Length)
                {
                    roles.Add(key["node-role.kubernetes.io/".Length..]);
                }
                else if (key == "kubernetes.io/role" && Str(value).Length > 0)
                {
                    roles.Add(Str(value));
                }
            }
        }
        var info = node["status"]?["nodeInfo"];
        string OrUnknown(string s) => s.Length == 0 ? "<unknown>" : s;
        string Address(string type) => Objects(node["status"]?["addresses"]).Where(a => Str(a["type"]) == type).Select(a => Str(a["address"])).FirstOrDefault() ?? "<none>";
        return
        [
            Name(node),
            string.Join(',', status),
            roles.Count == 0 ? "<none>" : string.Join(',', roles),
            Age(node, now),
            Str(info?["kubeletVersion"]),
            Address("InternalIP"),
            Address("ExternalIP"),
            OrUnknown(Str(info?["osImage"])),
            OrUnknown(Str(info?["kernelVersion"])),
            OrUnknown(Str(info?["containerRuntimeVersion"])),
        ];
    }
}
