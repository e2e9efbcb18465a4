using System.Net;
using Microsoft.AspNetCore.Builder;

namespace Kube.Access.Proxy;

/// <summary>A running local API proxy. Dispose it to stop listening (open watches and streams are closed).</summary>
public sealed class LocalApiProxyServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpMessageInvoker _invoker;
    private int _disposed;

    internal LocalApiProxyServer(WebApplication app, HttpMessageInvoker invoker, IPEndPoint? endPoint, string address, string? unixSocket)
    {
        _app = app;
        _invoker = invoker;
        EndPoint = endPoint;
        Address = address;
        UnixSocketPath = unixSocket;
        Url = endPoint is null ? null : new Uri($"http://{(endPoint.Address.Equals(IPAddress.Any) ? "127.0.0.1" : endPoint.Address.Equals(IPAddress.IPv6Any) ? "[::1]" : Address[..Address.LastIndexOf(':')])}:{endPoint.Port}/");
    }

    /// <summary>What kubectl prints after "Starting to serve on": <c>127.0.0.1:8001</c>, <c>[::1]:8001</c> or the socket path.</summary>
    public string Address { get; }

    /// <summary>The bound TCP endpoint (with the real port when 0 was asked for), or <c>null</c> on a Unix socket.</summary>
    public IPEndPoint? EndPoint { get; }

    /// <summary>The bound port, or 0 on a Unix socket.</summary>
    public int Port => EndPoint?.Port ?? 0;

    /// <summary>The Unix socket path, or <c>null</c> on TCP.</summary>
    public string? UnixSocketPath { get; }

    /// <summary>The proxy's base URL (<c>http://127.0.0.1:PORT/</c>; a wildcard address is reached through loopback), or <c>null</c> on a Unix socket.</summary>
    public Uri? Url { get; }

    /// <summary>kubectl's line: <c>Starting to serve on ADDRESS</c>.</summary>
    public string StartingLine => "Starting to serve on " + Address;

    /// <summary>Stops accepting, lets in-flight requests finish until <paramref name="cancellationToken"/> fires, then closes what is left.</summary>
    /// <param name="cancellationToken">Ends the grace period.</param>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops with a two-second grace period and releases the listener (and the connection, when the proxy owns it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            try
            {
                await _app.StopAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _invoker.Dispose();
        if (UnixSocketPath is not null)
        {
            try
            {
                File.Delete(UnixSocketPath);
            }
            catch (IOException)
            {
            }
        }
    }
}
