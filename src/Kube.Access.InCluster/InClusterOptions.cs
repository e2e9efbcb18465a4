namespace Kube.Access.InCluster;

/// <summary>Where the in-cluster configuration is read from. The defaults are those of a pod.</summary>
public sealed class InClusterOptions
{
    /// <summary>The default service-account directory mounted into every pod.</summary>
    public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>The service-account directory holding <c>token</c>, <c>ca.crt</c> and <c>namespace</c> (overridable for tests and sidecars).</summary>
    public string ServiceAccountDirectory { get; set; } = DefaultServiceAccountDirectory;

    /// <summary>The resolver configuration whose <c>search</c> list reveals the cluster domain.</summary>
    public string ResolvConfPath { get; set; } = "/etc/resolv.conf";

    /// <summary>How long a read token is trusted before the token file is read again (it is re-read at once after a 401).</summary>
    public TimeSpan TokenRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Environment variables to use instead of the process environment (<c>KUBERNETES_SERVICE_HOST</c>,
    /// <c>KUBERNETES_SERVICE_PORT</c>, <c>POD_NAMESPACE</c>); <c>null</c> reads the process environment.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Environment { get; set; }
}
