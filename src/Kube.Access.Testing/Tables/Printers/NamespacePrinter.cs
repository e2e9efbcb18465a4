using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Tables.Printers;

/// <summary>Namespaces: NAME STATUS AGE.</summary>
internal sealed class NamespacePrinter : TablePrinter
{
    private static readonly TableColumn[] Definitions =
    [
        TableColumn.NameColumn,
        new("Status", "string", "The status of the namespace"),
        TableColumn.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => Definitions;

    public override object[] Cells(JsonObject obj, DateTimeOffset now) => [Name(obj), Str(obj["status"]?["phase"]), Age(obj, now)];
}
