using System.Globalization;
using k8s;
using k8s.Models;

namespace Kube.Access.Cli.Tour;

/// <summary>kubectl-style listing: pods and services across namespaces, and the guide's image inventory.</summary>
internal sealed class ListingChapter : ITourChapter
{
    public string Title => "Listing what runs in the cluster (kubectl get -A)";

    public async Task RunAsync(TourContext context, CancellationToken cancellationToken)
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(context.KubeconfigPath));
        context.Command("kubectl get pods --all-namespaces -o wide");
        var pods = await client.CoreV1.ListPodForAllNamespacesAsync(limit: 500, cancellationToken: cancellationToken);
        context.Table(["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"], pods.Items.Select(p => (IReadOnlyList<string>)
        [
            p.Metadata.NamespaceProperty,
            p.Metadata.Name,
            $"{p.Status.ContainerStatuses?.Count(c => c.Ready) ?? 0}/{p.Spec.Containers.Count}",
            p.Status.Phase ?? "Unknown",
            (p.Status.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0).ToString(CultureInfo.InvariantCulture),
            Age(p.Metadata.CreationTimestamp),
            p.Status.PodIP ?? "<none>",
            p.Spec.NodeName ?? "<none>",
        ]));
        context.Line();

        context.Command("kubectl get services --all-namespaces");
        var services = await client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: cancellationToken);
        context.Table(["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], services.Items.Select(s => (IReadOnlyList<string>)
        [
            s.Metadata.NamespaceProperty,
            s.Metadata.Name,
            s.Spec.Type,
            s.Spec.ClusterIP ?? "<none>",
            s.Status?.LoadBalancer?.Ingress?.FirstOrDefault()?.Ip ?? (s.Spec.Type == "LoadBalancer" ? "<pending>" : "<none>"),
            string.Join(',', s.Spec.Ports?.Select(Port) ?? []),
            Age(s.Metadata.CreationTimestamp),
        ]));
        context.Line();

        context.Command("kubectl get pods --all-namespaces -o jsonpath=\"{.items[*].spec.containers[*].image}\" | tr -s '[[:space:]]' '\\n' | sort | uniq -c");
        foreach (var group in pods.Items.SelectMany(p => p.Spec.Containers).GroupBy(c => c.Image).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            context.Line($"{group.Count(),7} {group.Key}");
        }
    }

    private static string Port(V1ServicePort p)
        => p.NodePort is int node ? $"{p.Port}:{node}/{p.Protocol}" : $"{p.Port}/{p.Protocol}";

    private static string Age(DateTime? created)
    {
        if (created is null)
        {
            return "<unknown>";
        }
        var age = DateTime.UtcNow - created.Value.ToUniversalTime();
        return age.TotalSeconds < 120 ? $"{Math.Max(0, (int)age.TotalSeconds)}s"
            : age.TotalMinutes < 120 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }
}
