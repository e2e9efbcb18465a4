using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Tables.Printers;

/// <summary>StatefulSets: NAME READY AGE | CONTAINERS IMAGES (READY is ready/desired).</summary>
internal sealed class StatefulSetPrinter : TablePrinter
{
    private static readonly TableColumn[] Definitions =
    [
        TableColumn.NameColumn,
        new("Ready", "string", "Number of the pod with ready state"),
        TableColumn.Age,
        TableColumn.Containers,
        TableColumn.Images,
    ];

    public override IReadOnlyList<TableColumn> Columns => Definitions;

    public override object[] Cells(JsonObject obj, DateTimeOffset now)
    {
        var (containers, images) = ContainerCells(obj["spec"]?["template"]?["spec"]);
        var desired = obj["spec"]?["replicas"] is null ? 1 : Long(obj["spec"]?["replicas"]);
        return [Name(obj), Itoa(Long(obj["status"]?["readyReplicas"])) + "/" + Itoa(desired), Age(obj, now), containers, images];
    }
}
