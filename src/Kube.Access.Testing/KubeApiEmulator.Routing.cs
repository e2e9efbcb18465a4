using Kube.Access.Testing.Http;
using Kube.Access.Testing.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Kube.Access.Testing.Http.HttpIo;

namespace Kube.Access.Testing;

/// <summary>
/// Request routing: authentication, impersonation and authorization, then discovery and health
/// paths, or the resource handlers (objects, list, watch, streaming subresources). Our own
/// <see cref="ApiException"/>s become <c>Status</c> answers; anything else is a bug of the emulator and
/// is recorded in <see cref="UnexpectedErrors"/>.
/// </summary>
public sealed partial class KubeApiEmulator
{
    private static readonly byte[] OkBytes = "ok"u8.ToArray();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var info = RequestInfo.Parse(request.Method, path, IsTrue(request.Query["watch"]));
        RecordedRequestEntry? recorded = null;
        try
        {
            var user = Authenticate(context);
            recorded = Record(context, user);
            if (user is null)
            {
                throw ApiException.Unauthorized();
            }
            user = Impersonate(context, user);
            if (recorded is not null)
            {
                recorded.User = user.Name;
            }
            Authorize(user, info);
            if (!info.IsResourceRequest)
            {
                await HandleNonResourceAsync(context, path).ConfigureAwait(false);
            }
            else
            {
                await HandleResourceAsync(context, info, user).ConfigureAwait(false);
            }
        }
        catch (ApiException e)
        {
            await WriteErrorAsync(context, e).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel refused the request itself (a body over its limit, a malformed chunk): the client's fault.
            await WriteErrorAsync(context, e.StatusCode == 413 ? ApiException.RequestEntityTooLarge(MaxRequestBodyBytes) : ApiException.BadRequest(e.Message)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && (context.RequestAborted.IsCancellationRequested || _stopping.IsCancellationRequested))
        {
            // The client went away or the emulator is stopping.
        }
        catch (Exception e)
        {
            // A bug of the emulator: answer as the apiserver answers an internal error (without our
            // exception text), and record it so that the test that caused it fails.
            _logger.LogError(e, "emulator: {Method} {Path} failed unexpectedly", request.Method, path);
            _unexpectedErrors.Enqueue(new EmulatorServerError(request.Method, path + request.QueryString.Value, e));
            await WriteErrorAsync(context, ApiException.Internal("the emulator failed to handle the request")).ConfigureAwait(false);
        }
        finally
        {
            if (recorded is not null)
            {
                recorded.StatusCode = context.Response.StatusCode;
            }
        }
    }

    private async Task HandleNonResourceAsync(HttpContext context, string path)
    {
        var method = context.Request.Method;
        if (method is not ("GET" or "HEAD"))
        {
            throw ApiException.MethodNotAllowed();
        }
        var trimmed = path.TrimEnd('/');
        switch (trimmed)
        {
            case "/version":
                await WriteJsonAsync(context, 200, ResourceCatalog.VersionJson()).ConfigureAwait(false);
                return;
            case "/healthz":
            case "/livez":
            case "/readyz":
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.Body.WriteAsync(OkBytes, context.RequestAborted).ConfigureAwait(false);
                return;
            case "/api":
                await WriteJsonAsync(context, 200, ResourceCatalog.ApiVersionsJson(Url.Authority)).ConfigureAwait(false);
                return;
            case "/apis":
                await WriteJsonAsync(context, 200, ResourceCatalog.ApiGroupListJson()).ConfigureAwait(false);
                return;
            case "/api/v1":
                await WriteJsonAsync(context, 200, ResourceCatalog.ApiResourceListJson("", "v1")).ConfigureAwait(false);
                return;
        }
        if (trimmed == "/openapi/v3")
        {
            await WriteJsonAsync(context, 200, ResourceCatalog.OpenApiV3RootJson()).ConfigureAwait(false);
            return;
        }
        var parts = trimmed.Trim('/').Split('/');
        if (parts.Length >= 4 && parts[0] == "openapi" && parts[1] == "v3")
        {
            var doc = parts[2] == "api" && parts.Length == 4 ? ResourceCatalog.OpenApiV3GroupVersionJson("", parts[3])
                : parts[2] == "apis" && parts.Length == 5 ? ResourceCatalog.OpenApiV3GroupVersionJson(parts[3], parts[4]) : null;
            if (doc is not null)
            {
                await WriteJsonAsync(context, 200, doc).ConfigureAwait(false);
                return;
            }
        }
        if (parts.Length == 2 && parts[0] == "apis" && ResourceCatalog.Groups.Contains(parts[1]))
        {
            await WriteJsonAsync(context, 200, ResourceCatalog.ApiGroupJson(parts[1])).ConfigureAwait(false);
            return;
        }
        if (parts.Length == 3 && parts[0] == "apis" && ResourceCatalog.HasGroupVersion(parts[1], parts[2]))
        {
            await WriteJsonAsync(context, 200, ResourceCatalog.ApiResourceListJson(parts[1], parts[2])).ConfigureAwait(false);
            return;
        }
        throw ApiException.PathNotFound();
    }

    private async Task HandleResourceAsync(HttpContext context, RequestInfo info, EmulatorUser user)
    {
        if (!ResourceCatalog.TryFind(info.Group, info.Version, info.Resource, out var def))
        {
            throw ApiException.PathNotFound();
        }
        if (info.Namespace is not null && !def.Namespaced)
        {
            throw ApiException.PathNotFound();
        }
        if (info.Subresource is "portforward" or "exec" or "attach" or "proxy")
        {
            await HandleStreamingAsync(context, info, def, user).ConfigureAwait(false);
            return;
        }
        if (info.Subresource is not null)
        {
            await HandleObjectSubresourceAsync(context, info, def).ConfigureAwait(false);
            return;
        }
        switch (info.Verb)
        {
            case "list":
                await _list.WriteListAsync(context, def, info.Namespace).ConfigureAwait(false);
                return;
            case "watch":
                await _watch.WatchAsync(context, def, info.Namespace, info.Name).ConfigureAwait(false);
                return;
            default:
                await HandleObjectAsync(context, info, def).ConfigureAwait(false);
                return;
        }
    }

    private async Task HandleStreamingAsync(HttpContext context, RequestInfo info, ResourceDef def, EmulatorUser user)
    {
        var sub = info.Subresource!;
        if (!def.Subresources.Any(s => s.Name == sub))
        {
            throw ApiException.PathNotFound();
        }
        Task? handled = null;
        HandleStreamingSubresource(context, new StreamingRequest(def.Plural, info.Namespace, info.Name!, sub, info.ProxyPath, user.Name, user.Groups), ref handled);
        if (handled is null)
        {
            throw new ApiException(501, "NotImplemented", $"the {def.Plural}/{sub} subresource is not served by this emulator build");
        }
        await handled.ConfigureAwait(false);
    }
}
