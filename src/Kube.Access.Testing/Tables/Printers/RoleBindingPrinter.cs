using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Tables.Printers;

/// <summary>RoleBindings and ClusterRoleBindings: NAME ROLE AGE | USERS GROUPS SERVICEACCOUNTS (ROLE is <c>Kind/name</c>).</summary>
internal sealed class RoleBindingPrinter : TablePrinter
{
    private static readonly TableColumn[] Definitions =
    [
        TableColumn.NameColumn,
        new("Role", "string", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error."),
        TableColumn.Age,
        new("Users", "string", "Users in the roleBinding", 1),
        new("Groups", "string", "Groups in the roleBinding", 1),
        new("ServiceAccounts", "string", "ServiceAccounts in the roleBinding", 1),
    ];

    public override IReadOnlyList<TableColumn> Columns => Definitions;

    public override object[] Cells(JsonObject obj, DateTimeOffset now)
    {
        var subjects = Objects(obj["subjects"]).ToList();
        string Of(string kind) => string.Join(", ", subjects.Where(s => Str(s["kind"]) == kind).Select(s => kind == "ServiceAccount" ? Str(s["namespace"]) + ":" + Str(s["name"]) : Str(s["name"])));
        return [Name(obj), Str(obj["roleRef"]?["kind"]) + "/" + Str(obj["roleRef"]?["name"]), Age(obj, now), Of("User"), Of("Group"), Of("ServiceAccount")];
    }
}
