using Kube.Access;
using Kube.Access.Proxy;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Kube.Access.Proxy capabilities on <see cref="IKubeAccessBuilder"/>.</summary>
public static class ProxyKubeAccessBuilderExtensions
{
    /// <summary>Registers <see cref="IProxyUrlBuilder"/>, <see cref="IClusterInfo"/> and <see cref="IDashboardAccess"/> (stateless singletons).</summary>
    /// <param name="builder">The builder from <c>services.AddKubeAccess()</c>.</param>
    /// <returns>The same builder.</returns>
    public static IKubeAccessBuilder AddProxyUrls(this IKubeAccessBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<IProxyUrlBuilder>(ProxyUrlBuilder.Instance);
        builder.Services.TryAddSingleton<IClusterInfo, ClusterInfo>();
        builder.Services.TryAddSingleton<IDashboardAccess, DashboardAccess>();
        return builder;
    }

    /// <summary>
    /// Registers <see cref="ILocalApiProxy"/> (and the proxy URL services). Defaults for
    /// <see cref="LocalApiProxyOptions"/> come from <paramref name="configure"/> and any other <c>Configure</c> call.
    /// </summary>
    /// <param name="builder">The builder from <c>services.AddKubeAccess()</c>.</param>
    /// <param name="configure">Sets default options (kubectl's defaults otherwise).</param>
    /// <returns>The same builder.</returns>
    public static IKubeAccessBuilder AddLocalApiProxy(this IKubeAccessBuilder builder, Action<LocalApiProxyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddProxyUrls();
        builder.Services.AddOptions<LocalApiProxyOptions>();
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        builder.Services.TryAddSingleton<ILocalApiProxy, LocalApiProxy>();
        return builder;
    }
}
