using Microsoft.Extensions.Hosting;

namespace Kube.Access.Proxy.LocalApi;

/// <summary>
/// The local proxy's host lifetime: it never registers for SIGINT, SIGTERM or SIGQUIT (as the console
/// lifetime the hosting builder installs would), so the process that embeds the proxy (or the dashboard access) keeps its
/// own signal handling; the proxy stops when it is disposed.
/// </summary>
internal sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
