using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Tables.Printers;

/// <summary>Endpoints: NAME ENDPOINTS AGE; ENDPOINTS lists at most three ready <c>ip:port</c> then "+ N more...".</summary>
internal sealed class EndpointsPrinter : TablePrinter
{
    private static readonly TableColumn[] Definitions =
    [
        TableColumn.NameColumn,
        new("Endpoints", "string", "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service."),
        TableColumn.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => Definitions;

    public override object[] Cells(JsonObject obj, DateTimeOffset now) => [Name(obj), FormatEndpoints(obj), Age(obj, now)];

    private static string FormatEndpoints(JsonObject obj)
    {
        var subsets = Objects(obj["subsets"]).ToList();
        if (subsets.Count == 0)
        {
            return "<none>";
        }
        const int max = 3;
        var list = new List<string>();
        var more = false;
        var count = 0;
        foreach (var ss in subsets)
        {
            var addresses = Objects(ss["addresses"]).Select(a => Str(a["ip"])).ToList();
            var ports = Objects(ss["ports"]).ToList();
            if (ports.Count == 0)
            {
                count += addresses.Count;
                foreach (var ip in addresses)
                {
                    if (list.Count == max)
                    {
                        more = true;
                        break;
                    }
                    list.Add(ip);
                }
                continue;
            }
            foreach (var port in ports)
            {
                count += addresses.Count;
                foreach (var ip in addresses)
                {
                    if (list.Count == max)
                    {
                        more = true;
                        break;
                    }
                    list.Add((ip.Contains(':') ? "[" + ip + "]" : ip) + ":" + Itoa(Long(port["port"])));
                }
            }
        }
        var text = string.Join(',', list);
        return more ? text + " + " + Itoa(count - max) + " more..." : text;
    }
}
