using Kube.Access;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace InClusterWorker;

/// <summary>Builds the sample's generic host (used by Program and by the tests).</summary>
public static class WorkerHost
{
    /// <summary>
    /// A host whose <c>KubeAccess</c> configuration section binds <see cref="KubeAccessOptions"/>
    /// (default: in-cluster) and <c>Worker</c> binds <see cref="PodListingOptions"/>.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(string[] args, Action<KubeAccessOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddKubeAccess(o =>
        {
            o.Mode = KubeConnectionMode.InCluster;
            builder.Configuration.GetSection("KubeAccess").Bind(o);
            configure?.Invoke(o);
        });
        builder.Services.Configure<PodListingOptions>(builder.Configuration.GetSection("Worker"));
        builder.Services.AddSingleton<PodListingLog>();
        builder.Services.AddHostedService<PodListingWorker>();
        return builder;
    }
}
