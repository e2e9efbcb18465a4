using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Tables.Printers;

/// <summary>Deployments: NAME READY UP-TO-DATE AVAILABLE AGE | CONTAINERS IMAGES SELECTOR (READY is ready/desired).</summary>
internal sealed class DeploymentPrinter : TablePrinter
{
    private static readonly TableColumn[] Definitions =
    [
        TableColumn.NameColumn,
        new("Ready", "string", "Number of the pod with ready state"),
        new("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
        new("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
        TableColumn.Age,
        TableColumn.Containers,
        TableColumn.Images,
        TableColumn.Selector("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."),
    ];

    public override IReadOnlyList<TableColumn> Columns => Definitions;

    public override object[] Cells(JsonObject obj, DateTimeOffset now)
    {
        var (containers, images) = ContainerCells(obj["spec"]?["template"]?["spec"]);
        var desired = obj["spec"]?["replicas"] is null ? 1 : Long(obj["spec"]?["replicas"]);
        return
        [
            Name(obj),
            Itoa(Long(obj["status"]?["readyReplicas"])) + "/" + Itoa(desired),
            Long(obj["status"]?["updatedReplicas"]),
            Long(obj["status"]?["availableReplicas"]),
            Age(obj, now),
            containers,
            images,
            FormatSelector(obj["spec"]?["selector"]),
        ];
    }
}
