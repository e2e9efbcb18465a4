using Kube.Access.Testing.Internal;
using Kube.Access.Testing.Tables.Printers;

namespace Kube.Access.Testing.Tables;

/// <summary>The printer of each served kind; a kind without one gets the apiserver's default table.</summary>
internal static class TablePrinters
{
    private static readonly Dictionary<string, TablePrinter> ByKind = new(StringComparer.Ordinal)
    {
        ["Pod"] = new PodPrinter(),
        ["Deployment"] = new DeploymentPrinter(),
        ["ReplicaSet"] = new ReplicaSetPrinter(),
        ["DaemonSet"] = new DaemonSetPrinter(),
        ["StatefulSet"] = new StatefulSetPrinter(),
        ["Service"] = new ServicePrinter(),
        ["Endpoints"] = new EndpointsPrinter(),
        ["EndpointSlice"] = new EndpointSlicePrinter(),
        ["Node"] = new NodePrinter(),
        ["Namespace"] = new NamespacePrinter(),
        ["ConfigMap"] = new ConfigMapPrinter(),
        ["Secret"] = new SecretPrinter(),
        ["ServiceAccount"] = new ServiceAccountPrinter(),
        ["Event"] = new EventPrinter(),
        ["RoleBinding"] = new RoleBindingPrinter(),
        ["ClusterRoleBinding"] = new RoleBindingPrinter(),
    };

    public static TablePrinter For(ResourceDef def) => ByKind.TryGetValue(def.Kind, out var p) ? p : DefaultTablePrinter.Instance;
}
