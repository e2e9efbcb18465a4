using Kube.Access;
using Kube.Access.Images;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="IImageInventory"/>.</summary>
public static class ImageInventoryServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IImageInventory"/> (over the default connection of <c>AddKubeAccess()</c>).
    /// </summary>
    /// <param name="builder">The builder returned by <c>services.AddKubeAccess()</c>.</param>
    /// <param name="configure">Optional page size and restart limit.</param>
    /// <returns>The same builder.</returns>
    public static IKubeAccessBuilder AddImageInventory(this IKubeAccessBuilder builder, Action<ImageInventoryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ImageInventoryOptions>();
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        builder.Services.TryAddSingleton<IImageInventory>(sp => new ImageInventory(
            sp.GetRequiredService<IKubeDefaultConnection>(),
            sp.GetRequiredService<IOptions<ImageInventoryOptions>>(),
            sp.GetService<ILogger<ImageInventory>>() ?? NullLogger<ImageInventory>.Instance));
        return builder;
    }
}
