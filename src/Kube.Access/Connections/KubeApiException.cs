using System.Net;
using System.Text;
using System.Text.Json;

namespace Kube.Access;

/// <summary>The API server answered with an error (a Kubernetes <c>Status</c> when it sent one).</summary>
public class KubeApiException : KubeAccessException
{
    private const int MaxBodyChars = 64 * 1024;
    private const int MaxMessageChars = 500;

    /// <summary>Creates the exception.</summary>
    public KubeApiException(string message, int statusCode, string? reason = null, string? responseBody = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Reason = reason;
        ResponseBody = responseBody;
    }

    /// <summary>The HTTP status code (0 when the server was not reached).</summary>
    public int StatusCode { get; }

    /// <summary>The <c>Status.reason</c> (NotFound, AlreadyExists, Invalid, ...), when the server sent one.</summary>
    public string? Reason { get; }

    /// <summary>The response body as received (a Status object, usually), at most 64 KiB of it.</summary>
    public string? ResponseBody { get; }

    /// <summary>The server's own words: <c>Status.message</c> (for example <c>pods "x" not found</c>), when the body is a Status.</summary>
    public string? StatusMessage => ParseStatus(ResponseBody).Message;

    /// <summary>
    /// Builds the exception for an error response: reads at most 64 KiB of its body and takes the
    /// <c>Status</c> reason and message from it. <paramref name="operation"/> says what was being done
    /// (for example <c>get pod default/x</c>) and starts the message.
    /// </summary>
    public static async Task<KubeApiException> FromResponseAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await ReadBoundedAsync(response, cancellationToken).ConfigureAwait(false);
        return FromStatus((int)response.StatusCode, body, operation, response.ReasonPhrase);
    }

    /// <summary>
    /// Builds the exception from a status code and a response body: the message is
    /// <c>{operation}: {Status.message} ({code} {reason})</c>, or the start of the body when it is not a Status.
    /// </summary>
    public static KubeApiException FromStatus(int statusCode, string? responseBody, string operation, string? reasonPhrase = null, Exception? innerException = null)
    {
        if (responseBody is { Length: > MaxBodyChars })
        {
            responseBody = responseBody[..MaxBodyChars];
        }

        var (reason, message) = ParseStatus(responseBody);
        if (message is null && !string.IsNullOrWhiteSpace(responseBody) && !LooksLikeJson(responseBody))
        {
            message = responseBody.Trim();
        }

        if (message is { Length: > MaxMessageChars })
        {
            message = message[..MaxMessageChars] + "...";
        }

        var phrase = reason ?? reasonPhrase ?? (statusCode > 0 ? ((HttpStatusCode)statusCode).ToString() : null);
        var code = statusCode > 0 ? $"{statusCode} {phrase}".TrimEnd() : phrase ?? "no response";
        var text = message is null
            ? $"{operation}: the API server answered {code}"
            : $"{operation}: {message} ({code})";
        return new KubeApiException(text, statusCode, reason, responseBody, innerException);
    }

    /// <summary>The <c>reason</c> and <c>message</c> of a Kubernetes <c>Status</c> body; nulls when it is not one.</summary>
    internal static (string? Reason, string? Message) ParseStatus(string? body)
    {
        if (string.IsNullOrWhiteSpace(body) || !LooksLikeJson(body))
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            var reason = root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            return (string.IsNullOrEmpty(reason) ? null : reason, string.IsNullOrEmpty(message) ? null : message);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static bool LooksLikeJson(string body) => body.AsSpan().TrimStart().StartsWith("{");

    private static async Task<string?> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxBodyChars];
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
