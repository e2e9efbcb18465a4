using System.Net;
using System.Text;
using System.Text.Json;

namespace Kube.Access.Connections;

/// <summary>Turns error responses into <see cref="KubeApiException"/>s carrying the Kubernetes Status.</summary>
internal static class KubeApiErrors
{
    private const int MaxBodyBytes = 64 * 1024;

    public static async Task<KubeApiException> FromResponseAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var body = await ReadBoundedAsync(response, cancellationToken).ConfigureAwait(false);
        return FromBody((int)response.StatusCode, response.ReasonPhrase, body, what);
    }

    public static KubeApiException FromBody(int status, string? reasonPhrase, string? body, string what)
    {
        string? reason = null;
        string? message = null;
        if (!string.IsNullOrWhiteSpace(body) && body.TrimStart().StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (doc.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String)
                    {
                        reason = r.GetString();
                    }

                    if (doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    {
                        message = m.GetString();
                    }
                }
            }
            catch (JsonException)
            {
                // Not a Status: keep the raw text.
            }
        }

        message ??= string.IsNullOrWhiteSpace(body) ? reasonPhrase ?? ((HttpStatusCode)status).ToString() : body.Trim();
        if (message.Length > 500)
        {
            message = message[..500] + "...";
        }

        return new KubeApiException($"{what}: the API server answered {status} {reason ?? reasonPhrase}: {message}", status, reason, body);
    }

    private static async Task<string?> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxBodyBytes];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return Encoding.UTF8.GetString(buffer, 0, total);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return null;
        }
    }
}

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
            throw await KubeApiErrors.FromResponseAsync(response, $"WebSocket upgrade to {request.RequestUri?.PathAndQuery} refused", cancellationToken).ConfigureAwait(false);
        }
    }
}
