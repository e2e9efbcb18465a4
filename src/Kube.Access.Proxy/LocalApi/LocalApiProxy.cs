using System.Net;
using System.Net.Sockets;
using Kube.Access.Proxy.LocalApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Kube.Access.Proxy;

/// <summary>
/// An embeddable <c>kubectl proxy</c>: a local HTTP endpoint that forwards to the API server with the
/// user's credentials, behind kubectl's request filter.
/// </summary>
public interface ILocalApiProxy
{
    /// <summary>
    /// Starts a proxy to the API server of <paramref name="connection"/> (which adds credentials and refreshes
    /// tokens). The connection stays owned by the caller and must outlive the returned server.
    /// </summary>
    /// <param name="connection">The API server connection.</param>
    /// <param name="options">kubectl proxy's options; <c>null</c> for the configured defaults (<see cref="IOptions{TOptions}"/>).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running proxy; dispose it to stop.</returns>
    /// <exception cref="LocalApiProxyException">An option is invalid or the address cannot be bound.</exception>
    Task<LocalApiProxyServer> StartAsync(IKubeConnection connection, LocalApiProxyOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a proxy to the application's default API server (<see cref="IKubeDefaultConnection"/>, owned by the
    /// container, which must outlive the returned server).
    /// </summary>
    /// <param name="options">kubectl proxy's options; <c>null</c> for the configured defaults.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running proxy; dispose it to stop.</returns>
    /// <exception cref="LocalApiProxyException">An option is invalid, the address cannot be bound, or or no default connection is available.</exception>
    Task<LocalApiProxyServer> StartAsync(LocalApiProxyOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>
/// The <see cref="ILocalApiProxy"/>: Kestrel in front, YARP's <see cref="IHttpForwarder"/> behind (streaming,
/// upgrades and hop-by-hop headers handled by YARP), the connection's <see cref="IKubeConnection.Handler"/> for the
/// upstream requests (TLS, credentials, token refresh).
/// </summary>
public sealed class LocalApiProxy : ILocalApiProxy
{
    private readonly ConnectionSource? _defaultConnection;
    private readonly LocalApiProxyOptions _defaults;
    private readonly ILoggerFactory _loggerFactory;

    /// <summary>Creates the proxy starter.</summary>
    /// <param name="defaultConnection">Used by <see cref="StartAsync(LocalApiProxyOptions?, CancellationToken)"/>; may be <c>null</c> when only the connection overload is used.</param>
    /// <param name="options">Default options.</param>
    /// <param name="loggerFactory">Logs of the proxy, Kestrel and YARP.</param>
    public LocalApiProxy(IKubeDefaultConnection? defaultConnection = null, IOptions<LocalApiProxyOptions>? options = null, ILoggerFactory? loggerFactory = null)
    {
        _defaultConnection = defaultConnection is null ? null : new ConnectionSource(defaultConnection);
        _defaults = options?.Value ?? new LocalApiProxyOptions();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <inheritdoc />
    public async Task<LocalApiProxyServer> StartAsync(LocalApiProxyOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (_defaultConnection is null)
        {
            throw new LocalApiProxyException("No IKubeDefaultConnection is registered; pass a connection to StartAsync.");
        }

        var connection = await _defaultConnection.GetAsync(cancellationToken).ConfigureAwait(false);
        return await StartCoreAsync(connection, options, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<LocalApiProxyServer> StartAsync(IKubeConnection connection, LocalApiProxyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return StartCoreAsync(connection, options, cancellationToken);
    }

    private async Task<LocalApiProxyServer> StartCoreAsync(IKubeConnection connection, LocalApiProxyOptions? options, CancellationToken cancellationToken)
    {
        var o = (options ?? _defaults).Clone();
        var logger = _loggerFactory.CreateLogger<LocalApiProxy>();
        Validate(o);
        var apiPrefix = o.ApiPrefix.EndsWith('/') ? o.ApiPrefix : o.ApiPrefix + "/";
        var wwwPrefix = o.WwwPrefix.EndsWith('/') ? o.WwwPrefix : o.WwwPrefix + "/";

        RequestFilter? filter = null;
        if (o.DisableFilter)
        {
            if (string.IsNullOrEmpty(o.UnixSocket))
            {
                logger.LogWarning("Request filter disabled, your proxy is vulnerable to XSRF attacks, please be cautious");
            }
        }
        else
        {
            filter = new RequestFilter(o.AcceptPaths, o.RejectPaths, o.AcceptHosts, o.RejectMethods);
        }

        string? www = null;
        if (!string.IsNullOrEmpty(o.Www))
        {
            if (Directory.Exists(o.Www))
            {
                www = Path.GetFullPath(o.Www);
            }
            else
            {
                logger.LogWarning("Static file directory {Directory} does not exist or is not a directory; not serving {Prefix}", o.Www, wwwPrefix);
            }
        }

        var server = connection.Server;
        var destinationPrefix = server.GetLeftPart(UriPartial.Authority)
            + (o.AppendServerPath ? server.AbsolutePath.TrimEnd('/') : string.Empty);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(LocalApiProxy).Assembly.GetName().Name });
        builder.Services.AddLogging();
        builder.Services.Replace(ServiceDescriptor.Singleton(_loggerFactory));
        builder.Services.AddHttpForwarder();
        // Not the console lifetime: an embedded proxy must leave SIGINT/SIGTERM to the application.
        builder.Services.Replace(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostLifetime, NoSignalLifetime>());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            void Configure(ListenOptions listen)
            {
                listen.Protocols = HttpProtocols.Http1;
                if (o.Keepalive > TimeSpan.Zero)
                {
                    var seconds = Math.Max(1, (int)o.Keepalive.TotalSeconds);
                    listen.Use(next => context =>
                    {
                        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
                        if (socket is not null && socket.AddressFamily != AddressFamily.Unix)
                        {
                            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, seconds);
                            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, seconds);
                        }

                        return next(context);
                    });
                }
            }

            if (!string.IsNullOrEmpty(o.UnixSocket))
            {
                RemoveStaleSocket(o.UnixSocket);
                kestrel.ListenUnixSocket(o.UnixSocket, Configure);
            }
            else
            {
                kestrel.Listen(ParseAddress(o.Address), o.Port, Configure);
            }
        });

        var app = builder.Build();
        var invoker = new HttpMessageInvoker(connection.Handler, disposeHandler: false);
        var handler = new ProxyRequestHandler(
            app.Services.GetRequiredService<IHttpForwarder>(),
            invoker,
            destinationPrefix,
            apiPrefix,
            www is null ? null : wwwPrefix,
            filter,
            _loggerFactory.CreateLogger<LocalApiProxyServer>());

        app.Use(handler.InvokeAsync);
        if (www is not null)
        {
            app.UseFileServer(new FileServerOptions
            {
                FileProvider = new PhysicalFileProvider(www),
                RequestPath = wwwPrefix.TrimEnd('/'),
                EnableDirectoryBrowsing = true,
            });
        }

        app.Run(ProxyRequestHandler.NotFoundAsync);

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            invoker.Dispose();
            var where = string.IsNullOrEmpty(o.UnixSocket) ? $"{o.Address}:{o.Port}" : o.UnixSocket;
            throw new LocalApiProxyException($"Cannot listen on {where}: {e.Message}", string.IsNullOrEmpty(o.UnixSocket) ? "port" : "unix-socket", e);
        }

        IPEndPoint? endPoint = null;
        string address;
        if (!string.IsNullOrEmpty(o.UnixSocket))
        {
            try
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(o.UnixSocket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                logger.LogWarning(e, "Could not restrict {Socket} to its owner", o.UnixSocket);
            }

            address = o.UnixSocket;
        }
        else
        {
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
            var port = bound is not null && Uri.TryCreate(bound, UriKind.Absolute, out var boundUri) ? boundUri.Port : o.Port;
            endPoint = new IPEndPoint(ParseAddress(o.Address), port);
            address = endPoint.ToString();
        }

        logger.LogInformation("Starting to serve on {Address}", address);
        return new LocalApiProxyServer(app, invoker, endPoint, address, string.IsNullOrEmpty(o.UnixSocket) ? null : o.UnixSocket);
    }

    private static void Validate(LocalApiProxyOptions o)
    {
        if (o.Port is < 0 or > 65535)
        {
            throw new LocalApiProxyException($"{o.Port} is not a port number (0-65535; 0 picks a free port).", "port");
        }

        if (!string.IsNullOrEmpty(o.UnixSocket) && o.Port != LocalApiProxyOptions.DefaultPort)
        {
            throw new LocalApiProxyException("cannot set --unix-socket and --port at the same time", "unix-socket");
        }

        if (string.IsNullOrEmpty(o.UnixSocket))
        {
            ParseAddress(o.Address);
        }

        if (string.IsNullOrEmpty(o.ApiPrefix) || o.ApiPrefix[0] != '/')
        {
            throw new LocalApiProxyException($"\"{o.ApiPrefix}\" must start with '/'.", "api-prefix");
        }

        if (string.IsNullOrEmpty(o.WwwPrefix) || o.WwwPrefix[0] != '/')
        {
            throw new LocalApiProxyException($"\"{o.WwwPrefix}\" must start with '/'.", "www-prefix");
        }

        if (o.Keepalive < TimeSpan.Zero)
        {
            throw new LocalApiProxyException($"{o.Keepalive} is negative.", "keepalive");
        }
    }

    private static IPAddress ParseAddress(string? address)
    {
        if (string.Equals(address, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (address is not null && IPAddress.TryParse(address.Trim('[', ']'), out var ip))
        {
            return ip;
        }

        throw new LocalApiProxyException($"\"{address}\" is not an IP address.", "address");
    }

    private static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        // Like kubectl: remove a socket, stale or not, but leave any other file alone (binding then fails).
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        }
        catch (IOException)
        {
            // Opening a Unix socket as a file fails (ENXIO): it is a socket.
            File.Delete(path);
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
