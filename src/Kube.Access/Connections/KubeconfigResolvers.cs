using Kube.Access.Kubeconfig;

namespace Kube.Access;

/// <summary>Which kubeconfig resolver the factory uses by default.</summary>
internal static class KubeconfigResolvers
{
    public static IKubeconfigEndpointResolver Default(IKubeconfigLoader? loader = null) => new LoaderResolver(loader ?? KubeconfigLoader.Instance);

    /// <summary>
    /// A path option with a path-list separator behaves like <c>KUBECONFIG</c> (merged list);
    /// a single path is an explicit <c>--kubeconfig</c> (used alone, must exist).
    /// </summary>
    internal static KubeconfigLoadingOptions ToLoadingOptions(string? path) =>
        string.IsNullOrWhiteSpace(path) ? new KubeconfigLoadingOptions()
        : path.Contains(Path.PathSeparator, StringComparison.Ordinal) ? new KubeconfigLoadingOptions { KubeconfigVariable = path, UseEnvironment = false }
        : new KubeconfigLoadingOptions { ExplicitPath = path };

    private sealed class LoaderResolver(IKubeconfigLoader loader) : IKubeconfigEndpointResolver
    {
        public bool Exists(string? path) => loader.GetLoadingPrecedence(ToLoadingOptions(path)).Any(File.Exists);

        public async ValueTask<KubeEndpoint> ResolveAsync(string? path, string? context, CancellationToken cancellationToken) =>
            await loader.ResolveEndpointAsync(context, ToLoadingOptions(path), cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
