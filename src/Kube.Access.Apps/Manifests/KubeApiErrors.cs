using System.Net;
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

    public static KubeApiException From(HttpOperationException ex, string what) =>
        KubeApiException.FromStatus((int)(ex.Response?.StatusCode ?? 0), ex.Response?.Content, what, ex.Response?.ReasonPhrase, ex);

    public static KubeApiException From(HttpStatusCode code, string? body, string what) =>
        KubeApiException.FromStatus((int)code, body, what);

    public static bool IsNotFound(Exception ex) =>
        ex is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound } || ex is KubeApiException { StatusCode: 404 };
}
