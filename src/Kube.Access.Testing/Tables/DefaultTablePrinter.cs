using System.Globalization;
using System.Text.Json.Nodes;
using Kube.Access.Testing.Internal;

namespace Kube.Access.Testing.Tables;

/// <summary>
/// The apiserver's default table convertor (k8s.io/apiserver/pkg/registry/rest/table.go), used for a
/// kind without a printer of its own: <c>Name</c> and <c>Created At</c> (an RFC 3339 date in UTC, not an age).
/// Roles and cluster roles print the same two columns.
/// </summary>
internal sealed class DefaultTablePrinter : TablePrinter
{
    public static DefaultTablePrinter Instance { get; } = new();

    private static readonly TableColumn[] Definitions =
    [
        TableColumn.NameColumn,
        new("Created At", "date", "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"),
    ];

    public override IReadOnlyList<TableColumn> Columns => Definitions;

    public override object[] Cells(JsonObject obj, DateTimeOffset now)
    {
        var created = JsonUtil.Str(obj["metadata"]?["creationTimestamp"]);
        var cell = created is not null && DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? JsonUtil.Timestamp(t)
            : "0001-01-01T00:00:00Z";
        return [Name(obj), cell];
    }
}
