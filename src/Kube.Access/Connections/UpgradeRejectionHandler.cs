using System.Net;

namespace Kube.Access;

/// <summary>
/// Outermost handler of the WebSocket pipeline: a refused upgrade (anything but 101) becomes a
/// <see cref="KubeApiException"/> with the status and the server's text, which ClientWebSocket
/// would otherwise drop.
/// </summary>
internal sealed class UpgradeRejectionHandler : DelegatingHandler
{
    public UpgradeRejectionHandler(HttpMessageHandler inner) : base(inner) { }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.SwitchingProtocols || (request.Version.Major >= 2 && response.IsSuccessStatusCode))
        {
            return response;
        }

        using (response)
        {
            throw await KubeApiException.FromResponseAsync(response, $"WebSocket upgrade to {request.RequestUri?.PathAndQuery} refused", cancellationToken).ConfigureAwait(false);
        }
    }
}
