using Kube.Access;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Named <see cref="HttpClient"/>s through <c>IHttpClientFactory</c> that reach the default API server.</summary>
public static class KubeAccessHttpClientExtensions
{
    /// <summary>The default client name.</summary>
    public const string DefaultClientName = "kube-access";

    /// <summary>The placeholder base address of the named client; requests are sent to the resolved server.</summary>
    public static readonly Uri PlaceholderBaseAddress = new("https://kubernetes.default.svc/");

    /// <summary>
    /// Registers a named <see cref="HttpClient"/> (through <c>IHttpClientFactory</c>) whose requests go
    /// through the default connection's pipeline (TLS, credentials, 401 refresh). Its base address is
    /// <see cref="PlaceholderBaseAddress"/>: use relative paths (<c>client.GetAsync("api")</c>); the host
    /// is replaced by the resolved API server's, which is only known once the default connection exists.
    /// </summary>
    public static IHttpClientBuilder AddKubeApiHttpClient(this IKubeAccessBuilder builder, string name = DefaultClientName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services
            .AddHttpClient(name, client =>
            {
                client.BaseAddress = PlaceholderBaseAddress;
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new DefaultConnectionHandler(sp.GetRequiredService<IKubeDefaultConnection>()));
    }

    /// <summary>Forwards to the default connection's handler, moving placeholder URLs to the real server.</summary>
    private sealed class DefaultConnectionHandler(IKubeDefaultConnection connection) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var kube = await connection.GetAsync(cancellationToken).ConfigureAwait(false);
            if (request.RequestUri is { } uri && uri.IsAbsoluteUri && uri.Host == PlaceholderBaseAddress.Host && uri.Port == PlaceholderBaseAddress.Port)
            {
                request.RequestUri = new Uri(kube.Server, uri.PathAndQuery.TrimStart('/'));
            }

            using var invoker = new HttpMessageInvoker(kube.Handler, disposeHandler: false);
            return await invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
