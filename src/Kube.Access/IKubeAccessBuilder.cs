using Microsoft.Extensions.DependencyInjection;

namespace Kube.Access;

/// <summary>
/// Returned by <c>services.AddKubeAccess()</c>; each Kube.Access package adds its capability with an
/// extension method on it (<c>.AddPortForward()</c>, <c>.AddLocalApiProxy()</c>, <c>.AddImageInventory()</c>).
/// </summary>
public interface IKubeAccessBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }
}
