namespace Kube.Access;

/// <summary>Raw REST helpers over a connection.</summary>
internal static class KubeHttp
{
    public static Uri Url(IKubeConnection connection, string pathAndQuery) =>
        new(connection.Server.ToString().TrimEnd('/') + pathAndQuery, UriKind.Absolute);

    /// <summary>
    /// Sends <paramref name="request"/> through the connection's pipeline; a transport failure is a
    /// <see cref="KubeConnectionException"/> naming the server (<see cref="KubeApiErrors.Transport"/>). Error
    /// answers are returned as they are, for the caller to map.
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(IKubeConnection connection, HttpRequestMessage request, HttpCompletionOption completion, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.Http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (KubeApiErrors.IsTransportFailure(ex))
        {
            throw KubeApiErrors.Transport(connection, ex, what);
        }
    }
}
