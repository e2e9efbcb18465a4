using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Tables.Printers;

/// <summary>EndpointSlices: NAME ADDRESSTYPE PORTS ENDPOINTS AGE (at most three of each, then "+ N more...", <c>&lt;unset&gt;</c> when empty).</summary>
internal sealed class EndpointSlicePrinter : TablePrinter
{
    private static readonly TableColumn[] Definitions =
    [
        TableColumn.NameColumn,
        new("AddressType", "string", "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name."),
        new("Ports", "string", "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates \"all ports\". Each slice may include a maximum of 100 ports."),
        new("Endpoints", "string", "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints."),
        TableColumn.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => Definitions;

    public override object[] Cells(JsonObject obj, DateTimeOffset now)
    {
        var ports = Objects(obj["ports"]).Select(p => p["port"] is not null ? Itoa(Long(p["port"])) : Str(p["name"]) is { Length: > 0 } n ? n : "*");
        var addresses = Objects(obj["endpoints"]).SelectMany(e => (e["addresses"] as JsonArray)?.Select(a => Str(a)) ?? []);
        return [Name(obj), Str(obj["addressType"]), ListWithMore(ports.ToList()), ListWithMore(addresses.ToList()), Age(obj, now)];
    }

    private static string ListWithMore(List<string> all)
    {
        const int max = 3;
        if (all.Count > max)
        {
            return string.Join(',', all.Take(max)) + " + " + Itoa(all.Count - max) + " more...";
        }
        return all.Count == 0 ? "<unset>" : string.Join(',', all);
    }
}
