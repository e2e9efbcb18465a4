using System.Net.Http.Headers;
using k8s;
using k8s.Models;

namespace Kube.Access;

/// <summary>Server discovery: <c>/version</c>, <c>/api</c> and <c>/apis</c>, what <c>curl $APISERVER/api</c> shows.</summary>
public interface IKubeDiscovery
{
    /// <summary><c>GET /version</c>: the server's build (gitVersion, platform, ...).</summary>
    ValueTask<VersionInfo> GetVersionAsync(CancellationToken cancellationToken);

    /// <summary><c>GET /api</c>: the core API versions and <c>serverAddressByClientCIDRs</c>.</summary>
    ValueTask<V1APIVersions> GetCoreApiVersionsAsync(CancellationToken cancellationToken);

    /// <summary><c>GET /apis</c>: the API groups, with their versions and preferred version.</summary>
    ValueTask<V1APIGroupList> GetApiGroupsAsync(CancellationToken cancellationToken);

    /// <summary>The raw JSON of a discovery path (<c>/api</c>, <c>/apis</c>, <c>/version</c>, <c>/api/v1</c>, ...).</summary>
    ValueTask<string> GetRawAsync(string path, CancellationToken cancellationToken);
}

/// <summary>Discovery over an <see cref="IKubeConnection"/>'s REST pipeline.</summary>
public sealed class KubeDiscovery : IKubeDiscovery
{
    private readonly IKubeConnection _connection;

    /// <summary>Discovery of the server behind <paramref name="connection"/>.</summary>
    public KubeDiscovery(IKubeConnection connection) => _connection = connection ?? throw new ArgumentNullException(nameof(connection));

    /// <inheritdoc />
    public async ValueTask<VersionInfo> GetVersionAsync(CancellationToken cancellationToken) =>
        Parse<VersionInfo>(await GetRawAsync("version", cancellationToken).ConfigureAwait(false), "/version");

    /// <inheritdoc />
    public async ValueTask<V1APIVersions> GetCoreApiVersionsAsync(CancellationToken cancellationToken) =>
        Parse<V1APIVersions>(await GetRawAsync("api", cancellationToken).ConfigureAwait(false), "/api");

    /// <inheritdoc />
    public async ValueTask<V1APIGroupList> GetApiGroupsAsync(CancellationToken cancellationToken) =>
        Parse<V1APIGroupList>(await GetRawAsync("apis", cancellationToken).ConfigureAwait(false), "/apis");

    /// <inheritdoc />
    public async ValueTask<string> GetRawAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var uri = _connection.Server is { } server ? new Uri(server, path.TrimStart('/')) : new Uri(path, UriKind.Relative);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using (var response = await KubeHttp.SendAsync(_connection, request, HttpCompletionOption.ResponseHeadersRead, $"GET /{path.TrimStart('/')}", cancellationToken).ConfigureAwait(false))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await KubeApiException.FromResponseAsync(response, $"GET /{path.TrimStart('/')}", cancellationToken).ConfigureAwait(false);
            }

            return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static T Parse<T>(string json, string path)
    {
        try
        {
            return KubernetesJson.Deserialize<T>(json) ?? throw new KubeAccessException($"GET {path} returned null.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new KubeAccessException($"GET {path} did not return a {typeof(T).Name}: {e.Message}", e);
        }
    }
}
