using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kube.Access;

/// <summary>
/// The connection to one API server (see <see cref="IKubeConnection"/>): one SocketsHttpHandler
/// carrying the endpoint's TLS settings, an auth handler in front of it for REST, a second one
/// for WebSocket upgrades, and a KubernetesClient client routed through the REST pipeline.
/// </summary>
public sealed class KubeConnection : IKubeConnection
{
    private readonly SocketsHttpHandler _transport;
    private readonly KubeAuthHandler _restPipeline;
    private readonly HttpMessageInvoker _webSocketInvoker;
    private readonly Lazy<k8s.Kubernetes> _client;
    private readonly ILogger _logger;
    private readonly X509Certificate2? _clientCertificate;
    private readonly ClientCertificateSelector _clientCertificates;
    private int _disposed;

    /// <summary>Creates a connection to <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">The API server, TLS settings and credentials.</param>
    /// <param name="logger">Where warnings (insecure TLS) and 401 refreshes are logged; never credentials.</param>
    /// <exception cref="KubeTlsConfigurationException">The CA or client certificate PEM cannot be read.</exception>
    public KubeConnection(KubeEndpoint endpoint, ILogger<KubeConnection>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(endpoint.Server);
        if (!endpoint.Server.IsAbsoluteUri || (endpoint.Server.Scheme != Uri.UriSchemeHttps && endpoint.Server.Scheme != Uri.UriSchemeHttp))
        {
            throw new KubeAccessException($"The server '{endpoint.Server}' is not an http(s) URL{SourceSuffix(endpoint)}.");
        }

        CheckImpersonation(endpoint);
        Endpoint = endpoint;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Server = endpoint.Server.AbsolutePath.EndsWith('/') ? endpoint.Server : new Uri(endpoint.Server + "/");
        Namespace = string.IsNullOrWhiteSpace(endpoint.Namespace) ? "default" : endpoint.Namespace.Trim();

        _transport = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            EnableMultipleHttp2Connections = true,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromMinutes(1),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        };

        // As client-go: the kubeconfig's proxy-url for every request (loopback too), else the environment's
        // proxy as Go reads it (never for a loopback server, NO_PROXY with CIDR blocks, no ALL_PROXY), not
        // .NET's default proxy, which would send a kind or minikube cluster's traffic to HTTPS_PROXY.
        // User information in proxy-url becomes the proxy's credentials (answering its 407 challenge).
        // With no proxy variable set at all the handler gets no proxy (no per-request proxy decision on the REST path).
        IWebProxy? proxy = endpoint.ProxyUrl is not null
            ? new WebProxy(KubeEnvironmentProxy.ParseProxy(endpoint.ProxyUrl.OriginalString, "proxy-url", out var proxyCredential)) { BypassProxyOnLocal = false, Credentials = proxyCredential }
            : KubeEnvironmentProxy.FromEnvironment() is { IsEmpty: false } environment ? environment : null;
        _transport.Proxy = proxy;
        _transport.UseProxy = proxy is not null;
        var serverProxy = proxy?.GetProxy(endpoint.Server); // an unusable proxy for this server is an error now, not at the first request

        ConfigureTls(endpoint.Tls);
        if (endpoint.Tls.ClientCertificatePem is { Length: > 0 } certPem)
        {
            if (endpoint.Tls.ClientKeyPem is not { Length: > 0 } keyPem)
            {
                throw new KubeTlsConfigurationException($"A client certificate is set without its private key{SourceSuffix(endpoint)}.", "client-key-data");
            }

            _clientCertificate = KubeTls.LoadClientCertificate(certPem, keyPem);
        }

        // The certificate offered in each TLS handshake: the latest one a credential (an exec plugin's
        // clientCertificateData) supplied, else the endpoint's own. Chosen per handshake, so a rotated
        // plugin certificate is used by every new connection.
        _clientCertificates = new ClientCertificateSelector(_clientCertificate, _logger);
        _transport.SslOptions.LocalCertificateSelectionCallback = _clientCertificates.Select;

        // tls-server-name is the name sent in the TLS handshake (SNI) as well as the one checked. The handler
        // takes SNI from the Host header or the URL only, so the handshake is done here, as client-go does
        // with tls.Config.ServerName; the HTTP Host header stays the server's. Through a proxy (proxy-url or the
        // environment's, whichever applies to this server) the handler must tunnel first and the callback would
        // reach the proxy, so there the name is only checked.
        if (Endpoint.Server.Scheme == Uri.UriSchemeHttps && endpoint.Tls.TlsServerName is { Length: > 0 } serverName && serverProxy is null)
        {
            _transport.ConnectCallback = (context, ct) => ConnectWithServerNameAsync(context, serverName, ct);
        }

        _restPipeline = new KubeAuthHandler(endpoint, _transport, _logger, preferHttp2: true, _clientCertificates.Observe);
        _webSocketInvoker = new HttpMessageInvoker(
            new UpgradeRejectionHandler(new KubeAuthHandler(endpoint, _transport, _logger, preferHttp2: false, _clientCertificates.Observe)),
            disposeHandler: true);

        Http = new HttpClient(_restPipeline, disposeHandler: false)
        {
            BaseAddress = Server,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Timeout = Timeout.InfiniteTimeSpan,
        };

        _client = new Lazy<k8s.Kubernetes>(CreateClient, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <inheritdoc />
    public KubeEndpoint Endpoint { get; }

    /// <inheritdoc />
    public Uri Server { get; }

    /// <inheritdoc />
    public string Namespace { get; }

    /// <inheritdoc />
    public HttpMessageHandler Handler => _restPipeline;

    /// <inheritdoc />
    public HttpClient Http { get; }

    /// <inheritdoc />
    public IKubernetes Client => _client.Value;

    /// <inheritdoc />
    public async ValueTask<WebSocket> ConnectWebSocketAsync(string pathAndQuery, IReadOnlyList<string> subProtocols, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        ArgumentNullException.ThrowIfNull(subProtocols);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        var http = ResolveUri(pathAndQuery);
        try
        {
            return await WebSocketUpgrade.ConnectAsync(_webSocketInvoker, http, subProtocols, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw DescribeTransportFailure(e, $"WebSocket to {http.PathAndQuery}");
        }
        catch (WebSocketException e)
        {
            throw new KubeConnectionException($"WebSocket to {http.PathAndQuery} on {Endpoint.Server} failed: {e.Message}", Endpoint.Server, e);
        }
    }

    /// <summary>The absolute URL of <paramref name="pathAndQuery"/> on this server (a server path prefix is kept).</summary>
    public Uri ResolveUri(string pathAndQuery)
    {
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        if (Uri.TryCreate(pathAndQuery, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            return absolute;
        }

        return new Uri(Server, pathAndQuery.TrimStart('/'));
    }

    /// <summary>
    /// Wraps a transport failure (refused connection, TLS rejection, proxy error) in a
    /// <see cref="KubeConnectionException"/> that names the server and what went wrong.
    /// </summary>
    public KubeConnectionException DescribeTransportFailure(Exception exception, string what)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var tls = FindInner<AuthenticationException>(exception);
        var reason = tls is not null
            ? $"TLS handshake failed: {tls.Message}" + (_lastValidationFailure is { } v ? $" ({v})" : string.Empty)
            : KubeApiErrors.WithCause(exception);
        return new KubeConnectionException($"{what} on {Endpoint.Server} failed{SourceSuffix(Endpoint)}: {reason}", Endpoint.Server, exception);
    }

    private volatile string? _lastValidationFailure;

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }

        Http.Dispose();
        _webSocketInvoker.Dispose();
        _restPipeline.Dispose();
        _transport.Dispose();
        _clientCertificate?.Dispose();
        _clientCertificates.Dispose();
        return ValueTask.CompletedTask;
    }

    private void ConfigureTls(KubeTlsSettings tls)
    {
        if (Endpoint.Server.Scheme != Uri.UriSchemeHttps)
        {
            return;
        }

        if (tls.InsecureSkipTlsVerify && tls.CertificateAuthorityPem is { Length: > 0 })
        {
            throw new KubeTlsConfigurationException(
                $"specifying a root certificates file with the insecure flag is not allowed: the endpoint sets both a certificate authority and insecure-skip-tls-verify{SourceSuffix(Endpoint)}.",
                "insecure-skip-tls-verify");
        }

        if (tls.InsecureSkipTlsVerify)
        {
            _logger.LogWarning(
                "TLS verification of {Server} is disabled (insecure-skip-tls-verify){Source}: the server's identity is not checked.",
                Endpoint.Server, SourceSuffix(Endpoint));
            _transport.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
            return;
        }

        var authorities = tls.CertificateAuthorityPem is { Length: > 0 } pem ? KubeTls.ParseCertificateAuthorities(pem) : null;
        var expected = tls.TlsServerName is { Length: > 0 } name ? name : Endpoint.Server.IdnHost;
        _transport.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (KubeTls.ValidateServerCertificate(certificate, chain, errors, authorities, expected, out var failure))
            {
                return true;
            }

            _lastValidationFailure = failure;
            _logger.LogWarning("Rejected the TLS certificate of {Server}: {Failure}", Endpoint.Server, failure);
            return false;
        };
    }

    private async ValueTask<Stream> ConnectWithServerNameAsync(SocketsHttpConnectionContext context, string serverName, CancellationToken cancellationToken)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        SslStream? tls = null;
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            tls = new SslStream(new System.Net.Sockets.NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            var configured = _transport.SslOptions;
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                RemoteCertificateValidationCallback = configured.RemoteCertificateValidationCallback,
                LocalCertificateSelectionCallback = configured.LocalCertificateSelectionCallback,
                EnabledSslProtocols = configured.EnabledSslProtocols,
                CertificateRevocationCheckMode = configured.CertificateRevocationCheckMode,
                // HTTP/2 only when the request may use it (REST); WebSocket upgrades are HTTP/1.1.
                ApplicationProtocols = context.InitialRequestMessage.Version.Major >= 2
                    ? [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]
                    : [SslApplicationProtocol.Http11],
            }, cancellationToken).ConfigureAwait(false);
            return tls;
        }
        catch
        {
            if (tls is not null)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    private k8s.Kubernetes CreateClient()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var config = new KubernetesClientConfiguration
        {
            Host = Server.ToString().TrimEnd('/'),
            Namespace = Namespace,
        };

        // KubernetesClient builds its own SocketsHttpHandler; the bridge hands every request to our
        // pipeline instead, so TLS, credentials, 401 refresh and HTTP/2 are the same for both.
        return new k8s.Kubernetes(config, new PipelineBridgeHandler(_restPipeline));
    }

    /// <summary>
    /// The API server reads each <c>Impersonate-Group</c> / <c>Impersonate-Extra-*</c> header line as
    /// one value, but .NET's HTTP stack (HTTP/1.1 and HTTP/2 alike) joins repeated request headers
    /// into one line (<c>a, b</c>), which would impersonate a single group named "a, b". Refuse that
    /// instead of impersonating the wrong identity.
    /// </summary>
    private static void CheckImpersonation(KubeEndpoint endpoint)
    {
        if (endpoint.Impersonation is not { } impersonation)
        {
            return;
        }

        if (impersonation.Groups is { Count: > 1 })
        {
            throw new KubeAccessException(
                $"Impersonating {impersonation.Groups.Count} groups is not supported{SourceSuffix(endpoint)}: .NET sends repeated Impersonate-Group headers as one comma-joined line, which the API server would read as a single group. Impersonate one group.");
        }

        foreach (var (key, values) in impersonation.Extra ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            if (values.Count > 1)
            {
                throw new KubeAccessException(
                    $"Impersonating {values.Count} values of the user extra '{key}' is not supported{SourceSuffix(endpoint)}: .NET joins repeated Impersonate-Extra-* headers into one line.");
            }
        }
    }

    private static string SourceSuffix(KubeEndpoint endpoint) => endpoint.Source is { } s ? $" (from {s})" : string.Empty;

    private static T? FindInner<T>(Exception? e)
        where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T t)
            {
                return t;
            }
        }

        return null;
    }

    /// <summary>Sends everything to the connection's pipeline, never to its own inner handler.</summary>
    private sealed class PipelineBridgeHandler : DelegatingHandler
    {
        private readonly HttpMessageInvoker _pipeline;

        public PipelineBridgeHandler(HttpMessageHandler pipeline) => _pipeline = new HttpMessageInvoker(pipeline, disposeHandler: false);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _pipeline.SendAsync(request, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _pipeline.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
