using Kube.Access.Deploy;
using Kube.Access.Dns;
using Kube.Access.Manifests;
using Kube.Access.Services;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the application capabilities: services, DNS, manifest apply and the deploy wizard.</summary>
public static class ApplicationsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IServiceAccess"/>, <see cref="IClusterDns"/>, <see cref="IManifestApplier"/> (with
    /// <see cref="ManifestApplierOptions"/>) and <see cref="IDeployWizard"/> over the default connection
    /// (<see cref="Kube.Access.IKubeDefaultConnection"/>). Idempotent.
    /// </summary>
    public static Kube.Access.IKubeAccessBuilder AddApplications(this Kube.Access.IKubeAccessBuilder builder, Action<ManifestApplierOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder.Services);
        if (configure is not null) builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>The registrations of <see cref="AddApplications"/>.</summary>
    internal static void Register(IServiceCollection services)
    {
        services.AddOptions<ManifestApplierOptions>();
        services.TryAddSingleton<IServiceAccess>(sp => new ServiceAccess(sp.GetRequiredService<Kube.Access.IKubeDefaultConnection>(), sp.GetService<ILogger<ServiceAccess>>()));
        services.TryAddSingleton<IClusterDns>(sp => new ClusterDns(sp.GetRequiredService<Kube.Access.IKubeDefaultConnection>()));
        services.TryAddSingleton<IManifestApplier>(sp => new ManifestApplier(sp.GetRequiredService<Kube.Access.IKubeDefaultConnection>(), sp.GetRequiredService<IOptions<ManifestApplierOptions>>(), sp.GetService<ILogger<ManifestApplier>>()));
        services.TryAddSingleton<IDeployWizard>(sp => new DeployWizard(sp.GetRequiredService<Kube.Access.IKubeDefaultConnection>(), sp.GetService<ILogger<DeployWizard>>()));
    }
}
