namespace Kube.Access;

/// <summary>How <see cref="IKubeConnectionFactory.CreateDefaultAsync"/> finds the cluster.</summary>
public enum KubeConnectionMode
{
    /// <summary>Like client-go: explicit kubeconfig or context first; else in-cluster when in a pod; else <c>KUBECONFIG</c> / <c>~/.kube/config</c>.</summary>
    Auto,

    /// <summary>Only the pod's in-cluster configuration.</summary>
    InCluster,

    /// <summary>Only kubeconfig (explicit path, else <c>KUBECONFIG</c> / <c>~/.kube/config</c>).</summary>
    Kubeconfig,
}

/// <summary>Options of <c>services.AddKubeAccess(o => ...)</c> and of the default connection.</summary>
public sealed class KubeAccessOptions
{
    /// <summary>Which configuration source to use (default <see cref="KubeConnectionMode.Auto"/>).</summary>
    public KubeConnectionMode Mode { get; set; } = KubeConnectionMode.Auto;

    /// <summary>An explicit endpoint; when set it wins over every other source.</summary>
    public KubeEndpoint? Endpoint { get; set; }

    /// <summary>An explicit kubeconfig path (or a list separated like <c>KUBECONFIG</c>); wins over in-cluster detection.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>The kubeconfig context to use instead of <c>current-context</c>; wins over in-cluster detection.</summary>
    public string? Context { get; set; }

    /// <summary>The service-account directory to read instead of <c>/var/run/secrets/kubernetes.io/serviceaccount</c>.</summary>
    public string? ServiceAccountDirectory { get; set; }

    /// <summary>
    /// Environment variables for in-cluster detection instead of the process environment
    /// (<c>KUBERNETES_SERVICE_HOST</c>, <c>KUBERNETES_SERVICE_PORT</c>); for tests and sidecars.
    /// </summary>
    public IReadOnlyDictionary<string, string>? InClusterEnvironment { get; set; }

    /// <summary>Impersonation to apply on top of whatever endpoint is resolved (kubectl <c>--as</c>).</summary>
    public KubeImpersonation? Impersonation { get; set; }

    /// <summary>
    /// Server, TLS and token settings laid over the resolved endpoint (kubectl's <c>--server</c>, <c>--token</c>,
    /// <c>--certificate-authority</c>, <c>--insecure-skip-tls-verify</c>, <c>--tls-server-name</c>). With a
    /// <see cref="KubeEndpointOverrides.Server"/> and no configuration found at all, they are the whole endpoint.
    /// </summary>
    public KubeEndpointOverrides? Overrides { get; set; }

    /// <summary>The namespace to use instead of the endpoint's (kubectl <c>--namespace</c>).</summary>
    public string? Namespace { get; set; }
}
