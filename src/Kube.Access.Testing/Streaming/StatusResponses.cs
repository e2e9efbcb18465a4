using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Kube.Access.Testing.Streaming;

/// <summary>Writes metav1.Status answers the way the apiserver shapes them.</summary>
internal static class StatusResponses
{
    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    /// <summary>A failure Status as JSON bytes.</summary>
    public static byte[] Failure(int code, string reason, string message, string? name = null, string? kind = null, IReadOnlyList<StatusCauseDto>? causes = null) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new StatusDto("Status", "v1", new Dictionary<string, string>(), "Failure", message, reason,
                name is null && kind is null && causes is null ? null : new StatusDetailsDto(name, null, kind, causes), code),
            Json);

    /// <summary>Writes a failure Status with its HTTP code.</summary>
    public static async Task WriteAsync(HttpContext context, int code, string reason, string message, string? name = null, string? kind = null)
    {
        var body = Failure(code, reason, message, name, kind);
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>404 <c>{kind} "{name}" not found</c>.</summary>
    public static Task NotFoundAsync(HttpContext context, string kind, string name) =>
        WriteAsync(context, 404, "NotFound", $"{kind} \"{name}\" not found", name, kind);

    /// <summary>400 BadRequest.</summary>
    public static Task BadRequestAsync(HttpContext context, string message) =>
        WriteAsync(context, 400, "BadRequest", message);

    /// <summary>503 ServiceUnavailable, as the apiserver answers a proxy it cannot complete.</summary>
    public static Task ServiceUnavailableAsync(HttpContext context, string message) =>
        WriteAsync(context, 503, "ServiceUnavailable", message);

    internal sealed record StatusDto(
        string Kind,
        string ApiVersion,
        Dictionary<string, string> Metadata,
        string Status,
        string? Message,
        string? Reason,
        StatusDetailsDto? Details,
        int? Code);

    internal sealed record StatusDetailsDto(string? Name, string? Group, string? Kind, IReadOnlyList<StatusCauseDto>? Causes);

    internal sealed record StatusCauseDto(string? Reason, string? Message, string? Field = null);
}
