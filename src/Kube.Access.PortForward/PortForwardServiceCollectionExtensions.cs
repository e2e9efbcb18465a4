using Kube.Access;
using Kube.Access.PortForward;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers port-forwarding on the Kube.Access builder.</summary>
public static class PortForwardKubeAccessBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="IPortForwarder"/> (a singleton over the application's default connection, <see cref="IKubeDefaultConnection"/>),
    /// with <see cref="PortForwardOptions"/> configurable through <paramref name="configure"/> or IOptions.
    /// </summary>
    public static IKubeAccessBuilder AddPortForward(this IKubeAccessBuilder builder, Action<PortForwardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<PortForwardOptions>();
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        builder.Services.TryAddSingleton<IPortForwarder>(sp => new PortForwarder(
            sp.GetRequiredService<IKubeDefaultConnection>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<PortForwardOptions>>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<PortForwarder>>()));
        return builder;
    }
}
