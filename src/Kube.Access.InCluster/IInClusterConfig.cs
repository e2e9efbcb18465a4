namespace Kube.Access.InCluster;

/// <summary>Whether the process runs in a pod, and if not, why not.</summary>
/// <param name="IsInCluster"><c>true</c> when the service environment variables and the token file are present.</param>
/// <param name="Reason">What was found or which variable or file is missing.</param>
/// <param name="ServiceAccountDirectory">The service-account directory looked at.</param>
public sealed record InClusterStatus(bool IsInCluster, string Reason, string ServiceAccountDirectory);

/// <summary>
/// The in-cluster configuration of a pod: the API server from <c>KUBERNETES_SERVICE_HOST</c> /
/// <c>KUBERNETES_SERVICE_PORT</c>, the CA, namespace and rotating token from the service-account
/// directory, and the cluster DNS domain.
/// </summary>
public interface IInClusterConfig
{
    /// <summary>The options in use.</summary>
    InClusterOptions Options { get; }

    /// <summary>Tells whether the process runs in a pod, with the reason when it does not.</summary>
    InClusterStatus Detect();

    /// <summary>
    /// Builds the endpoint: server URL (IPv6 bracketed), the service-account CA as the only trusted
    /// CA, a token source re-reading the token file, and the pod's namespace.
    /// </summary>
    /// <exception cref="InClusterException">A variable or file is missing or invalid.</exception>
    /// <exception cref="KubeCredentialException">The token file is missing or empty.</exception>
    ValueTask<KubeEndpoint> LoadAsync(CancellationToken cancellationToken);

    /// <summary>The cluster DNS domain from the resolver's search list (<c>cluster.local</c> when none is found).</summary>
    ValueTask<string> GetClusterDomainAsync(CancellationToken cancellationToken);
}
