using k8s.Models;

namespace Kube.Access;

/// <summary>What a probe reached: which context, cluster, server and user, and the server's version.</summary>
/// <param name="Server">The API server URL.</param>
/// <param name="Context">The kubeconfig context, <c>in-cluster</c>, or <c>null</c>.</param>
/// <param name="Cluster">The kubeconfig cluster name, if any.</param>
/// <param name="User">The kubeconfig user name, if any.</param>
/// <param name="Namespace">The default namespace.</param>
/// <param name="Source">Where the settings came from.</param>
/// <param name="Version">The server's <c>/version</c>.</param>
/// <param name="CoreVersions">The core API versions from <c>/api</c>.</param>
/// <param name="ServerAddresses">The <c>serverAddressByClientCIDRs</c> of <c>/api</c>.</param>
public sealed record ClusterProbeResult(
    Uri Server,
    string? Context,
    string? Cluster,
    string? User,
    string Namespace,
    string? Source,
    VersionInfo Version,
    IReadOnlyList<string> CoreVersions,
    IReadOnlyList<V1ServerAddressByClientCIDR> ServerAddresses)
{
    /// <summary>One line for people: <c>context "x" (cluster "y", user "z") at https://...: Kubernetes v1.32.4</c>.</summary>
    public override string ToString() =>
        $"context \"{Context ?? "(none)"}\" (cluster \"{Cluster ?? "(none)"}\", user \"{User ?? "(none)"}\") at {Server}: Kubernetes {Version?.GitVersion}";
}

/// <summary>Checks that a connection reaches its API server (static convenience over <see cref="KubeDiscovery"/>).</summary>
public static class ClusterConnection
{
    /// <summary>
    /// Asks <c>/version</c> and <c>/api</c> and says which context/cluster/server/user was reached.
    /// </summary>
    /// <exception cref="KubeConnectionException">The server could not be reached or its certificate was refused.</exception>
    /// <exception cref="KubeApiException">The server answered with an error (401, 403, ...).</exception>
    public static async ValueTask<ClusterProbeResult> ProbeAsync(IKubeConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var discovery = new KubeDiscovery(connection);
        var version = await discovery.GetVersionAsync(cancellationToken).ConfigureAwait(false);
        var api = await discovery.GetCoreApiVersionsAsync(cancellationToken).ConfigureAwait(false);
        var endpoint = connection.Endpoint;
        return new ClusterProbeResult(
            endpoint.Server,
            endpoint.ContextName,
            endpoint.ClusterName,
            endpoint.UserName,
            connection.Namespace,
            endpoint.Source,
            version,
            (api.Versions ?? []).ToArray(),
            (api.ServerAddressByClientCIDRs ?? []).ToArray());
    }
}
