using Kube.Access;
using Kube.Access.InCluster;
using Kube.Access.Kubeconfig;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Kube.Access in a service collection.</summary>
public static class KubeAccessServiceCollectionExtensions
{
    /// <summary>
    /// Registers the connection layer (<see cref="IKubeConnectionFactory"/>, <see cref="IInClusterConfig"/>, <see cref="IKubeconfigLoader"/>, <see cref="IKubeDefaultConnection"/>)
    /// and exec/attach (<see cref="Kube.Access.Exec.IPodExec"/>)
    /// with <see cref="KubeAccessOptions"/> bound through <c>IOptions</c>; other Kube.Access packages add
    /// their capabilities on the returned builder. Calling it again only adds the configuration.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the options.</param>
    public static IKubeAccessBuilder AddKubeAccess(this IServiceCollection services, Action<KubeAccessOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<IInClusterConfig>(sp =>
            new InClusterConfig(KubeConnectionFactory.ToInClusterOptions(sp.GetRequiredService<IOptions<KubeAccessOptions>>().Value)));
        services.TryAddSingleton<IKubeconfigLoader>(KubeconfigLoader.Instance);
        services.TryAddSingleton<IKubeConnectionFactory>(sp => new KubeConnectionFactory(
            sp.GetRequiredService<IOptions<KubeAccessOptions>>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<IInClusterConfig>(),
            sp.GetRequiredService<IKubeconfigLoader>()));
        services.TryAddSingleton<IKubeDefaultConnection, KubeDefaultConnection>();
        services.TryAddSingleton<Kube.Access.Exec.IPodExec>(sp => new Kube.Access.Exec.PodExec(
            sp.GetRequiredService<IKubeDefaultConnection>(), sp.GetService<IOptions<Kube.Access.Exec.PodExecOptions>>(), sp.GetService<ILogger<Kube.Access.Exec.PodExec>>()));
        return new KubeAccessBuilder(services);
    }

    private sealed class KubeAccessBuilder(IServiceCollection services) : IKubeAccessBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
