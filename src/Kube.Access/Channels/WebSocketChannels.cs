namespace Kube.Access.Channels;

/// <summary>
/// The one way exec, attach and port-forward open their channels: connect the WebSocket, map a refused
/// upgrade, start the channel framing over the socket; when starting fails the socket is disposed.
/// </summary>
internal static class WebSocketChannels
{
    /// <summary>Opens <paramref name="pathAndQuery"/> on <paramref name="connection"/> as a channel connection.</summary>
    /// <param name="connection">The API server connection.</param>
    /// <param name="pathAndQuery">The subresource (for example <c>/api/v1/namespaces/ns/pods/p/exec?...</c>).</param>
    /// <param name="subProtocols">The channel protocols to offer, preferred first.</param>
    /// <param name="options">The framing's options.</param>
    /// <param name="rejected">Turns a refused upgrade into the caller's typed error.</param>
    /// <param name="startFailed">Turns a failure to start the framing into the caller's typed error; <c>null</c> to let it through.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    public static async ValueTask<WebSocketChannelConnection> OpenAsync(
        IKubeConnection connection,
        string pathAndQuery,
        IReadOnlyList<string> subProtocols,
        WebSocketChannelOptions options,
        Func<KubeApiException, Exception> rejected,
        Func<WebSocketChannelException, Exception>? startFailed,
        CancellationToken cancellationToken)
    {
        System.Net.WebSockets.WebSocket socket;
        try
        {
            socket = await connection.ConnectWebSocketAsync(pathAndQuery, subProtocols, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException ex)
        {
            throw rejected(ex);
        }

        try
        {
            return WebSocketChannelConnection.Start(socket, options);
        }
        catch (Exception ex)
        {
            socket.Dispose();
            if (ex is WebSocketChannelException channel && startFailed is not null)
            {
                throw startFailed(channel);
            }

            throw;
        }
    }
}
