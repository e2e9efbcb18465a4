using System.Net;
using System.Text.Json;
using k8s.Autorest;

namespace Kube.Access.Manifests;

/// <summary>Turns KubernetesClient's and raw HTTP failures into <see cref="KubeApiException"/>s carrying the Status.</summary>
internal static class KubeApiErrors
{
    public static async Task<T> Call<T>(Func<Task<T>> call, string what)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw From(ex, what);
        }
        catch (HttpRequestException ex)
        {
            throw new KubeApiException($"{what}: the API server could not be reached: {ex.Message}", 0, null, null, ex);
        }
    }

    public static KubeApiException From(HttpOperationException ex, string what)
    {
        var body = ex.Response?.Content;
        var status = (int)(ex.Response?.StatusCode ?? 0);
        var (reason, message) = ParseStatus(body);
        return new KubeApiException($"{what}: {message ?? ex.Message}", status, reason, body, ex);
    }

    public static KubeApiException From(HttpStatusCode code, string? body, string what)
    {
        var (reason, message) = ParseStatus(body);
        return new KubeApiException($"{what}: {message ?? $"the API server answered {(int)code} {code}"}", (int)code, reason, body);
    }

    public static bool IsNotFound(Exception ex) =>
        ex is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound } || ex is KubeApiException { StatusCode: 404 };

    public static (string? Reason, string? Message) ParseStatus(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return (null, null);
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, null);
            string? reason = root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            string? message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            return (reason, message);
        }
        catch (JsonException)
        {
            return (null, body.Length > 500 ? body[..500] : body);
        }
    }
}
