using k8s;
using k8s.Models;
using Kube.Access.Manifests;

namespace Kube.Access.Dns;

/// <summary>What the cluster DNS add-on looks like: the kube-dns service, the CoreDNS deployment and its Corefile.</summary>
/// <param name="ServiceIp">The kube-dns service's cluster IP (the nameserver pods use), when the service exists.</param>
/// <param name="ServicePorts">The kube-dns service's ports as <c>name port/protocol</c>.</param>
/// <param name="DeploymentName">The DNS deployment's name (<c>coredns</c>), when found.</param>
/// <param name="DesiredReplicas">The deployment's desired replicas.</param>
/// <param name="ReadyReplicas">The deployment's ready replicas.</param>
/// <param name="Image">The DNS server image.</param>
/// <param name="Corefile">The <c>Corefile</c> from the <c>coredns</c> ConfigMap, when found.</param>
/// <param name="ClusterDomain">The cluster domain the Corefile serves (else <c>cluster.local</c>).</param>
/// <param name="Problems">What is missing or not ready; empty when DNS looks healthy.</param>
public sealed record ClusterDnsReport(
    string? ServiceIp,
    IReadOnlyList<string> ServicePorts,
    string? DeploymentName,
    int? DesiredReplicas,
    int? ReadyReplicas,
    string? Image,
    string? Corefile,
    string ClusterDomain,
    IReadOnlyList<string> Problems)
{
    /// <summary>Whether nothing is missing or not ready.</summary>
    public bool Healthy => Problems.Count == 0;
}

/// <summary>Cluster DNS: the CoreDNS check and the DNS records of services.</summary>
public interface IClusterDns
{
    /// <summary>Checks the kube-dns service, the CoreDNS deployment and its Corefile ConfigMap in <c>kube-system</c>.</summary>
    Task<ClusterDnsReport> CheckAsync(CancellationToken cancellationToken = default);

    /// <summary>Every DNS record the cluster serves for a service (reading its endpoints when it is headless).</summary>
    Task<IReadOnlyList<DnsRecord>> GetServiceRecordsAsync(string @namespace, string service, string? clusterDomain = null, CancellationToken cancellationToken = default);
}

/// <summary>The cluster DNS checks over an <see cref="IKubeConnection"/>.</summary>
public sealed class ClusterDns : IClusterDns
{
    /// <summary>The namespace the DNS add-on runs in.</summary>
    public const string SystemNamespace = "kube-system";

    private readonly ConnectionSource _connection;

    /// <summary>Creates the checks over <paramref name="connection"/> (not owned).</summary>
    public ClusterDns(IKubeConnection connection) => _connection = new ConnectionSource(connection);

    /// <summary>Creates the checks over the container's default connection.</summary>
    public ClusterDns(IKubeDefaultConnection connection) => _connection = new ConnectionSource(connection);

    /// <inheritdoc />
    public async Task<ClusterDnsReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var client = connection.Client;
        var problems = new List<string>();

        var service = await TryGet(connection, () => client.CoreV1.ReadNamespacedServiceAsync("kube-dns", SystemNamespace, cancellationToken: cancellationToken), "get service kube-system/kube-dns").ConfigureAwait(false);
        var ports = new List<string>();
        if (service is null) problems.Add("service kube-system/kube-dns not found");
        else
        {
            foreach (var p in service.Spec?.Ports ?? []) ports.Add($"{p.Name ?? "<unset>"} {p.Port}/{p.Protocol ?? "TCP"}");
            var all = service.Spec?.Ports ?? [];
            if (!all.Any(p => p.Port == 53 && (p.Protocol ?? "TCP") == "UDP")) problems.Add("service kube-system/kube-dns has no 53/UDP port");
            if (!all.Any(p => p.Port == 53 && (p.Protocol ?? "TCP") == "TCP")) problems.Add("service kube-system/kube-dns has no 53/TCP port");
            if (string.IsNullOrEmpty(service.Spec?.ClusterIP) || service.Spec.ClusterIP == "None") problems.Add("service kube-system/kube-dns has no cluster IP");
        }

        var deployment = await TryGet(connection, () => client.AppsV1.ReadNamespacedDeploymentAsync("coredns", SystemNamespace, cancellationToken: cancellationToken), "get deployment kube-system/coredns").ConfigureAwait(false);
        if (deployment is null)
        {
            var list = await KubeApiErrors.Call(connection, () => client.AppsV1.ListNamespacedDeploymentAsync(SystemNamespace, labelSelector: "k8s-app=kube-dns", cancellationToken: cancellationToken), "list deployments in kube-system").ConfigureAwait(false);
            deployment = list.Items.FirstOrDefault();
        }
        if (deployment is null) problems.Add("no CoreDNS deployment in kube-system (coredns, or labelled k8s-app=kube-dns)");
        else if ((deployment.Status?.ReadyReplicas ?? 0) < 1) problems.Add($"deployment kube-system/{deployment.Metadata.Name} has no ready replicas");

        var configMap = await TryGet(connection, () => client.CoreV1.ReadNamespacedConfigMapAsync("coredns", SystemNamespace, cancellationToken: cancellationToken), "get configmap kube-system/coredns").ConfigureAwait(false);
        string? corefile = null;
        if (configMap is null) problems.Add("configmap kube-system/coredns not found");
        else if (configMap.Data is null || !configMap.Data.TryGetValue("Corefile", out corefile)) problems.Add("configmap kube-system/coredns has no Corefile");
        var domain = ClusterDomain.FromCorefile(corefile);
        if (corefile is not null && domain is null) problems.Add("the Corefile has no kubernetes plugin zone");

        return new ClusterDnsReport(
            service?.Spec?.ClusterIP,
            ports,
            deployment?.Metadata?.Name,
            deployment?.Spec?.Replicas,
            deployment?.Status?.ReadyReplicas ?? (deployment is null ? null : 0),
            deployment?.Spec?.Template?.Spec?.Containers?.FirstOrDefault()?.Image,
            corefile,
            domain ?? KubeDnsNames.DefaultClusterDomain,
            problems);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DnsRecord>> GetServiceRecordsAsync(string @namespace, string service, string? clusterDomain = null, CancellationToken cancellationToken = default)
    {
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var client = connection.Client;
        var svc = await KubeApiErrors.Call(connection, () => client.CoreV1.ReadNamespacedServiceAsync(service, @namespace, cancellationToken: cancellationToken), $"get service {@namespace}/{service}").ConfigureAwait(false);
        V1Endpoints? endpoints = null;
        if (svc.Spec?.ClusterIP == "None")
            endpoints = await TryGet(connection, () => client.CoreV1.ReadNamespacedEndpointsAsync(service, @namespace, cancellationToken: cancellationToken), $"get endpoints {@namespace}/{service}").ConfigureAwait(false);
        clusterDomain ??= await ClusterDomain.DetectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return KubeDnsNames.RecordsFor(svc, endpoints, clusterDomain);
    }

    private static async Task<T?> TryGet<T>(IKubeConnection connection, Func<Task<T>> read, string what) where T : class
    {
        try
        {
            return await KubeApiErrors.Call(connection, read, what).ConfigureAwait(false);
        }
        catch (KubeApiException ex) when (ex.StatusCode == 404)
        {
            return null;
        }
    }
}
