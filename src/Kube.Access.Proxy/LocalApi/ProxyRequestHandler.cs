using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Kube.Access.Proxy.LocalApi;

/// <summary>
/// One request through the local proxy, in kubectl's order: Go's path cleaning (redirect), the prefix routing
/// of its ServeMux (API prefix or static prefix, longest wins), the API prefix strip, the filter, then forwarding.
/// </summary>
internal sealed class ProxyRequestHandler
{
    private static readonly object UpstreamKey = new();

    /// <summary>Bodies longer than this (or of unknown length) are sent with <c>Expect: 100-continue</c>.</summary>
    private const long ExpectContinueThreshold = 1024 * 1024;
    private static readonly byte[] ForbiddenBody = Encoding.UTF8.GetBytes("Forbidden\n");
    private static readonly byte[] NotFoundBody = Encoding.UTF8.GetBytes("404 page not found\n");
    private static readonly byte[] BadRequestBody = Encoding.UTF8.GetBytes("400 Bad Request");

    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _invoker;
    private readonly string _destinationPrefix;
    private readonly string _apiPrefix;
    private readonly string? _staticPrefix;
    private readonly RequestFilter? _filter;
    private readonly ILogger _logger;
    private readonly bool _stripApiPrefix;
    private readonly ForwarderRequestConfig _config;
    private readonly ForwarderRequestConfig _upgradeConfig;

    public ProxyRequestHandler(IHttpForwarder forwarder, HttpMessageInvoker invoker, string destinationPrefix, string apiPrefix, string? staticPrefix, RequestFilter? filter, ILogger logger)
    {
        _forwarder = forwarder;
        _invoker = invoker;
        _destinationPrefix = destinationPrefix;
        _apiPrefix = apiPrefix;
        _staticPrefix = staticPrefix;
        _filter = filter;
        _logger = logger;
        // kubectl strips the API prefix unless it starts with /api (then paths go upstream unchanged).
        _stripApiPrefix = !apiPrefix.StartsWith("/api", StringComparison.Ordinal);
        // Watches and port-forwards may stay idle for a long time: no activity timeout, like kubectl.
        _config = new ForwarderRequestConfig { ActivityTimeout = Timeout.InfiniteTimeSpan };
        // Upgrades (exec, attach, port-forward) go upstream as HTTP/1.1 Upgrade requests, like kubectl's upgrade transport.
        _upgradeConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = Timeout.InfiniteTimeSpan,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public static Task NotFoundAsync(HttpContext context) => WritePlainAsync(context, StatusCodes.Status404NotFound, NotFoundBody);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.Path.Value + request.QueryString.Value);
        if (!TrySplitTarget(target, out var rawPath, out var rawQuery) || !GoHttpPath.TryUnescape(rawPath, out var path))
        {
            await WritePlainAsync(context, StatusCodes.Status400BadRequest, BadRequestBody).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsConnect(request.Method))
        {
            var clean = GoHttpPath.CleanPath(path);
            if (!string.Equals(clean, path, StringComparison.Ordinal))
            {
                await RedirectAsync(context, GoHttpPath.Escape(clean) + (rawQuery is null ? string.Empty : "?" + rawQuery)).ConfigureAwait(false);
                return;
            }
        }

        var isApi = path.StartsWith(_apiPrefix, StringComparison.Ordinal);
        var isStatic = _staticPrefix is not null && path.StartsWith(_staticPrefix, StringComparison.Ordinal);
        if (isStatic && (!isApi || _staticPrefix!.Length > _apiPrefix.Length))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (!isApi)
        {
            var withSlash = path + "/";
            if (withSlash == _apiPrefix || withSlash == _staticPrefix)
            {
                await RedirectAsync(context, GoHttpPath.Escape(withSlash) + (rawQuery is null ? string.Empty : "?" + rawQuery)).ConfigureAwait(false);
                return;
            }

            await NotFoundAsync(context).ConfigureAwait(false);
            return;
        }

        // kubectl's stripLeaveSlash: trim the prefix, keep a leading slash; a path left unchanged keeps its raw escaping.
        var upstreamPath = rawPath;
        var filterPath = path;
        if (_stripApiPrefix)
        {
            filterPath = path[_apiPrefix.Length..];
            if (filterPath.Length > 0 && filterPath[0] != '/')
            {
                filterPath = "/" + filterPath;
            }

            if (!string.Equals(filterPath, path, StringComparison.Ordinal))
            {
                upstreamPath = filterPath.Length == 0 ? "/" : GoHttpPath.Escape(filterPath);
            }
        }

        if (_filter is not null)
        {
            var host = RequestFilter.ExtractHost(request.Headers.Host.ToString());
            if (!_filter.Accept(request.Method, filterPath, host))
            {
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    _logger.LogDebug("Filter rejecting {Method} {Path} {Host}", request.Method, filterPath, host);
                }

                await WritePlainAsync(context, StatusCodes.Status403Forbidden, ForbiddenBody).ConfigureAwait(false);
                return;
            }
        }

        if (!Uri.TryCreate(_destinationPrefix + upstreamPath + (rawQuery is null ? string.Empty : "?" + rawQuery), UriKind.Absolute, out var upstream))
        {
            await WritePlainAsync(context, StatusCodes.Status400BadRequest, BadRequestBody).ConfigureAwait(false);
            return;
        }

        context.Items[UpstreamKey] = upstream;
        var upgrade = context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true;
        var error = await _forwarder.SendAsync(context, _destinationPrefix, _invoker, upgrade ? _upgradeConfig : _config, Transformer.Instance).ConfigureAwait(false);
        if (error == ForwarderError.None)
        {
            return;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        if (error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
            or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled || context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (a watch or stream it ended): not an error.
            _logger.LogDebug(exception, "Client ended {Method} {Path}: {Error}", request.Method, filterPath, error);
            return;
        }

        if (context.Response.HasStarted)
        {
            // The API server answered and its status and headers are relayed (a 413 sent while the request body was
            // still streaming ends here as a failed body copy): finishing the response is all that is left.
            _logger.LogDebug(exception, "Proxied {Method} {Path} ended with {Error} after the answer started", request.Method, filterPath, error);
            return;
        }

        // Nothing came back from the API server: kubectl's responder answers 500 with Go's error text
        // ("dial tcp 127.0.0.1:6443: connect: connection refused"), never our exception's.
        var reason = UpstreamFailure.Describe(upstream, exception);
        _logger.LogError(exception, "Error while proxying request: {Reason}", reason);
        context.Response.Headers.Clear();
        try
        {
            await WritePlainAsync(context, StatusCodes.Status500InternalServerError, Encoding.UTF8.GetBytes(reason + "\n")).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone.
        }
    }

    /// <summary>Splits an origin-form or absolute-form request target into raw path and raw query (null when absent).</summary>
    private static bool TrySplitTarget(string target, out string rawPath, out string? rawQuery)
    {
        rawQuery = null;
        rawPath = target;
        if (target.Length == 0 || target == "*")
        {
            return false;
        }

        if (target[0] != '/')
        {
            var scheme = target.IndexOf("://", StringComparison.Ordinal);
            if (scheme < 0)
            {
                return false;
            }

            var pathStart = target.IndexOfAny(['/', '?'], scheme + 3);
            target = pathStart < 0 ? "/" : target[pathStart] == '?' ? "/" + target[pathStart..] : target[pathStart..];
        }

        var q = target.IndexOf('?');
        rawPath = q < 0 ? target : target[..q];
        rawQuery = q < 0 ? null : target[(q + 1)..];
        return true;
    }

    private static async Task RedirectAsync(HttpContext context, string location)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status301MovedPermanently;
        response.Headers.Location = location;
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            response.ContentType = "text/html; charset=utf-8";
            var body = Encoding.UTF8.GetBytes("<a href=\"" + WebUtility.HtmlEncode(location) + "\">Moved Permanently</a>.\n\n");
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static Task WritePlainAsync(HttpContext context, int status, byte[] body)
    {
        var response = context.Response;
        response.StatusCode = status;
        // Like Go's http.Error.
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>
    /// Copies headers (YARP drops hop-by-hop ones), drops the client's Authorization (the connection adds the
    /// user's credentials) and Host (the upstream gets the API server's), and sends to the computed upstream URI.
    /// </summary>
    private sealed class Transformer : HttpTransformer
    {
        public static readonly Transformer Instance = new();

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
            proxyRequest.Headers.Authorization = null;
            proxyRequest.Headers.Remove("Authorization");
            proxyRequest.Headers.Host = null;
            proxyRequest.RequestUri = (Uri)httpContext.Items[UpstreamKey]!;
            var length = httpContext.Request.ContentLength;
            if (proxyRequest.Content is not null && (length is null || length > ExpectContinueThreshold))
            {
                // A large body waits for the API server's go-ahead: a server that refuses it up front (413 over its
                // 3 MiB limit) is then answered with its status, where over HTTP/1.1 the HTTP client would otherwise
                // lose that early answer when the server closes the connection under the body still being written.
                proxyRequest.Headers.ExpectContinue = true;
            }
        }
    }
}
