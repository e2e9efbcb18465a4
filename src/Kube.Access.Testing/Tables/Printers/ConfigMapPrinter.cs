using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Tables.Printers;

/// <summary>ConfigMaps: NAME DATA AGE (DATA counts <c>data</c> and <c>binaryData</c> keys).</summary>
internal sealed class ConfigMapPrinter : TablePrinter
{
    private static readonly TableColumn[] Definitions =
    [
        TableColumn.NameColumn,
        new("Data", "string", "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process."),
        TableColumn.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => Definitions;

    public override object[] Cells(JsonObject obj, DateTimeOffset now)
        => [Name(obj), (long)((obj["data"] as JsonObject)?.Count ?? 0) + ((obj["binaryData"] as JsonObject)?.Count ?? 0), Age(obj, now)];
}
