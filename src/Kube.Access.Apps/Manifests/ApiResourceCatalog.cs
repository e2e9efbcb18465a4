using System.Net;
using System.Text.Json;

namespace Kube.Access.Manifests;

/// <summary>One API resource from discovery: its plural name and whether it is namespaced.</summary>
/// <param name="Group">The API group (empty for core).</param>
/// <param name="Version">The version.</param>
/// <param name="Kind">The kind.</param>
/// <param name="Resource">The plural resource name used in paths.</param>
/// <param name="Namespaced">Whether objects live in a namespace.</param>
public sealed record ApiResource(string Group, string Version, string Kind, string Resource, bool Namespaced)
{
    /// <summary>The collection path, e.g. <c>/apis/apps/v1/namespaces/default/deployments</c>.</summary>
    public string CollectionPath(string? @namespace)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced ? $"{root}/namespaces/{Uri.EscapeDataString(@namespace ?? "default")}/{Resource}" : $"{root}/{Resource}";
    }

    /// <summary>The object path.</summary>
    public string ObjectPath(string? @namespace, string name) => $"{CollectionPath(@namespace)}/{Uri.EscapeDataString(name)}";
}

/// <summary>Legacy discovery (<c>/api/v1</c>, <c>/apis/GROUP/VERSION</c>), cached per group-version.</summary>
internal sealed class ApiResourceCatalog
{
    private readonly Dictionary<string, IReadOnlyList<ApiResource>?> _cache = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<ApiResource?> FindAsync(IKubeConnection connection, string apiVersion, string kind, CancellationToken cancellationToken)
    {
        var list = await GetAsync(connection, apiVersion, cancellationToken).ConfigureAwait(false);
        return list?.FirstOrDefault(r => r.Kind == kind);
    }

    private async Task<IReadOnlyList<ApiResource>?> GetAsync(IKubeConnection connection, string apiVersion, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cache.TryGetValue(apiVersion, out var cached)) return cached;
            var slash = apiVersion.IndexOf('/');
            var group = slash < 0 ? "" : apiVersion[..slash];
            var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
            var path = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            using var request = new HttpRequestMessage(HttpMethod.Get, KubeHttp.Url(connection, path));
            using var response = await KubeHttp.SendAsync(connection, request, HttpCompletionOption.ResponseContentRead, $"discovery of {apiVersion}", cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                _cache[apiVersion] = null;
                return null;
            }
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw KubeApiErrors.From(response.StatusCode, body, $"discovery of {apiVersion}");
            var resources = new List<ApiResource>();
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.TryGetProperty("resources", out var items) && items.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in items.EnumerateArray())
                    {
                        var name = item.TryGetProperty("name", out var n) ? n.GetString() : null;
                        var k = item.TryGetProperty("kind", out var kk) ? kk.GetString() : null;
                        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(k) || name.Contains('/')) continue;
                        var namespaced = item.TryGetProperty("namespaced", out var ns) && ns.ValueKind == JsonValueKind.True;
                        resources.Add(new ApiResource(group, version, k, name, namespaced));
                    }
                }
            }
            catch (JsonException ex)
            {
                throw new KubeApiException($"discovery of {apiVersion}: the API server's answer is not JSON: {ex.Message}", (int)response.StatusCode, null, body, ex);
            }
            _cache[apiVersion] = resources;
            return resources;
        }
        finally
        {
            _gate.Release();
        }
    }
}
