using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kube.Access.Testing.Internal;
using Microsoft.AspNetCore.Http;

namespace Kube.Access.Testing.Http;

/// <summary>
/// Reading request bodies and writing JSON and <c>Status</c> responses, with the limits a real API
/// server applies to what it decodes.
/// </summary>
internal static class HttpIo
{
    /// <summary>
    /// The apiserver's <c>MaxRequestBodyBytes</c> (k8s.io/apiserver server config and request scope: 3 MiB,
    /// twice etcd's recommended 1.5 MB request); a longer body is answered 413 <c>RequestEntityTooLarge</c>.
    /// </summary>
    public const int MaxRequestBodyBytes = 3 * 1024 * 1024;

    /// <summary>The nesting depth a request body may have; deeper JSON is answered 400 (the apiserver's decoder refuses too-deep JSON as a bad request too).</summary>
    public const int MaxJsonDepth = JsonUtil.MaxDepth;

    public static bool IsTrue(Microsoft.Extensions.Primitives.StringValues v) => v.Count > 0 && (v[0] is "1" or "true" or "True");

    /// <summary>Reads a JSON request body of at most <see cref="MaxRequestBodyBytes"/>.</summary>
    /// <exception cref="ApiException">415 for a body in another format, 413 for a body over the limit.</exception>
    public static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType ?? "";
        if (contentType.StartsWith("application/vnd.kubernetes.protobuf", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/cbor", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/yaml", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(415, "UnsupportedMediaType", $"the emulator accepts JSON request bodies only, not {contentType} (kubectl create -f, apply and the dynamic client send JSON)");
        }
        if (context.Request.ContentLength > MaxRequestBodyBytes)
        {
            throw ApiException.RequestEntityTooLarge(MaxRequestBodyBytes);
        }
        using var ms = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var n = await context.Request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            if (n == 0)
            {
                return ms.ToArray();
            }
            if (ms.Length + n > MaxRequestBodyBytes)
            {
                throw ApiException.RequestEntityTooLarge(MaxRequestBodyBytes);
            }
            ms.Write(buffer, 0, n);
        }
    }

    /// <summary>Reads and parses a JSON object body (size and depth limited).</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpContext context)
        => JsonUtil.Parse(await ReadBodyAsync(context).ConfigureAwait(false));

    /// <summary>Answers with a <c>Status</c> object unless the response has already started.</summary>
    public static async Task WriteErrorAsync(HttpContext context, ApiException e)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.StatusCode = e.Code;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(e.ToStatusJson(), context.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteJsonAsync(HttpContext context, int status, byte[] json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        return context.Response.Body.WriteAsync(json, context.RequestAborted).AsTask();
    }

    public static Task WriteJsonAsync(HttpContext context, int status, JsonNode node)
        => WriteJsonAsync(context, status, JsonSerializer.SerializeToUtf8Bytes(node, JsonUtil.Options));

    public static void WriteAscii(PipeWriter output, string s)
    {
        var span = output.GetSpan(s.Length);
        var n = Encoding.UTF8.GetBytes(s, span);
        output.Advance(n);
    }
}
