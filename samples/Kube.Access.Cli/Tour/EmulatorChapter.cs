using System.Net.Http.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Kube.Access.Cli.Tour;

/// <summary>The emulator itself: where it listens, what it serves, the nodes of the guide's cluster.</summary>
internal sealed class EmulatorChapter : ITourChapter
{
    public string Title => "An in-process Kubernetes API (the emulator behind this tour)";

    public async Task RunAsync(TourContext context, CancellationToken cancellationToken)
    {
        var api = context.Emulator;
        context.Line($"Kube.Access.Testing started a Kubernetes API emulator at {api.Url.ToString().TrimEnd('/')}");
        context.Line($"kubeconfig for kubectl: {context.KubeconfigPath}");
        context.Line();

        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(context.KubeconfigPath));
        context.Command("kubectl version");
        var version = await client.Version.GetCodeAsync(cancellationToken);
        context.Line($"Server Version: {version.GitVersion}");
        context.Line();

        context.Command("kubectl api-resources");
        var rows = new List<IReadOnlyList<string>>();
        var core = await client.CoreV1.GetAPIResourcesAsync(cancellationToken);
        var apps = await client.AppsV1.GetAPIResourcesAsync(cancellationToken);
        var rbac = await client.RbacAuthorizationV1.GetAPIResourcesAsync(cancellationToken);
        foreach (var list in new[] { core, apps, rbac })
        {
            foreach (var r in list.Resources.Where(r => !r.Name.Contains('/')))
            {
                rows.Add([r.Name, string.Join(',', r.ShortNames ?? []), list.GroupVersion, r.Namespaced ? "true" : "false", r.Kind]);
            }
        }
        context.Table(["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"], rows);
        context.Line();

        context.Command("kubectl get nodes -o wide");
        var nodes = await client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken);
        context.Table(["NAME", "STATUS", "VERSION", "INTERNAL-IP", "EXTERNAL-IP"], nodes.Items.Select(n => (IReadOnlyList<string>)
        [
            n.Metadata.Name,
            n.Status.Conditions.Any(c => c.Type == "Ready" && c.Status == "True") ? "Ready" : "NotReady",
            n.Status.NodeInfo.KubeletVersion,
            n.Status.Addresses.FirstOrDefault(a => a.Type == "InternalIP")?.Address ?? "<none>",
            n.Status.Addresses.FirstOrDefault(a => a.Type == "ExternalIP")?.Address ?? "<none>",
        ]));
        context.Line("(Node, pod and load-balancer addresses are documentation ranges: data only, never dialled.)");
    }
}
