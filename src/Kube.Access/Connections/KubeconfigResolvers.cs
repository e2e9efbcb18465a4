namespace Kube.Access.Connections;

/// <summary>Which kubeconfig resolver the factory uses by default.</summary>
internal static class KubeconfigResolvers
{
    public static IKubeconfigEndpointResolver Default() => new MissingKubeconfigResolver();
}
