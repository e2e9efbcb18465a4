using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using k8s.Autorest;

namespace Kube.Access;

/// <summary>
/// The one mapping of API failures for every package: an error answer (KubernetesClient's
/// <see cref="HttpOperationException"/> or a raw response) becomes a <see cref="KubeApiException"/> carrying the
/// Status (<see cref="KubeApiException.FromStatus"/>); a transport failure (refused connection, socket error,
/// TLS rejection, proxy error) becomes a <see cref="KubeConnectionException"/> naming the server.
/// </summary>
internal static class KubeApiErrors
{
    /// <summary>Runs a KubernetesClient call on <paramref name="connection"/>, mapping its failures.</summary>
    public static async Task<T> Call<T>(IKubeConnection connection, Func<Task<T>> call, string what)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw From(ex, what);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Transport(connection, ex, what);
        }
    }

    public static KubeApiException From(HttpOperationException ex, string what) =>
        KubeApiException.FromStatus((int)(ex.Response?.StatusCode ?? 0), ex.Response?.Content, what, ex.Response?.ReasonPhrase, ex);

    public static KubeApiException From(HttpStatusCode code, string? body, string what) =>
        KubeApiException.FromStatus((int)code, body, what);

    public static bool IsNotFound(Exception ex) =>
        ex is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound } || ex is KubeApiException { StatusCode: 404 };

    /// <summary>Whether <paramref name="ex"/> says the server was not reached (rather than that it answered).</summary>
    public static bool IsTransportFailure(Exception ex) => ex is HttpRequestException or SocketException or AuthenticationException;

    /// <summary>The <see cref="KubeConnectionException"/> for a transport failure while doing <paramref name="what"/>.</summary>
    public static KubeConnectionException Transport(IKubeConnection connection, Exception ex, string what) =>
        connection is KubeConnection k
            ? k.DescribeTransportFailure(ex, what)
            : new KubeConnectionException($"{what} on {connection.Server} failed: {WithCause(ex)}", connection.Server, ex);

    /// <summary>
    /// The failure's message, followed by its transport cause when the message alone says nothing
    /// (HttpClient's "An error occurred while sending the request." over "The response ended prematurely.").
    /// </summary>
    public static string WithCause(Exception exception)
    {
        var cause = exception.InnerException;
        while (cause?.InnerException is { } deeper && cause is not System.Net.Sockets.SocketException)
        {
            cause = deeper;
        }

        return cause is null || exception.Message.Contains(cause.Message, StringComparison.Ordinal)
            ? exception.Message
            : $"{exception.Message} ({cause.Message})";
    }
}
