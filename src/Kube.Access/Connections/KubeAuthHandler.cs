using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Kube.Access;

/// <summary>
/// Puts the endpoint's current credential and impersonation headers on every request. When the
/// server answers 401 it tells the credential source once; if the source may have something new
/// and the request can be sent again (idempotent, body replayable) it is retried once.
/// Credentials never reach a log.
/// </summary>
internal sealed class KubeAuthHandler : DelegatingHandler
{
    private static readonly HashSet<string> ImpersonationHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Impersonate-User", "Impersonate-Uid", "Impersonate-Group",
    };

    private readonly KubeEndpoint _endpoint;
    private readonly ILogger _logger;
    private readonly bool _preferHttp2;
    private readonly Action<KubeCredential>? _observeCredential;

    public KubeAuthHandler(KubeEndpoint endpoint, HttpMessageHandler inner, ILogger logger, bool preferHttp2, Action<KubeCredential>? observeCredential = null)
        : base(inner)
    {
        _endpoint = endpoint;
        _logger = logger;
        _preferHttp2 = preferHttp2;
        _observeCredential = observeCredential;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_preferHttp2 && request.RequestUri?.Scheme == Uri.UriSchemeHttps && request.Version == HttpVersion.Version11
            && request.VersionPolicy == HttpVersionPolicy.RequestVersionOrLower && !request.Headers.Contains("Upgrade"))
        {
            // Use HTTP/2 where the server offers it in ALPN; fall back to HTTP/1.1 otherwise.
            request.Version = HttpVersion.Version20;
        }

        ApplyImpersonation(request, _endpoint.Impersonation);
        var credential = await GetCredentialAsync(cancellationToken).ConfigureAwait(false);
        ApplyCredential(request, credential);

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        _logger.LogDebug("The API server answered 401 to {Method} {Path}; asking the credential source ({Source}) for a fresh credential.",
            request.Method, request.RequestUri?.AbsolutePath, _endpoint.Credentials.GetType().Name);
        bool mayChange;
        try
        {
            mayChange = await _endpoint.Credentials.InvalidateAsync(credential, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeCredentialException e)
        {
            _logger.LogWarning("Refreshing the credential after a 401 failed: {Error}", e.Message);
            return response;
        }

        if (!mayChange || !CanRetry(request))
        {
            return response;
        }

        KubeCredential fresh;
        try
        {
            fresh = await GetCredentialAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KubeCredentialException e)
        {
            _logger.LogWarning("Refreshing the credential after a 401 failed: {Error}", e.Message);
            return response;
        }

        if (Equals(fresh, credential))
        {
            return response;
        }

        response.Dispose();
        ApplyCredential(request, fresh);
        _logger.LogDebug("Retrying {Method} {Path} once with the refreshed credential.", request.Method, request.RequestUri?.AbsolutePath);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<KubeCredential> GetCredentialAsync(CancellationToken cancellationToken)
    {
        var credential = await _endpoint.Credentials.GetCredentialAsync(cancellationToken).ConfigureAwait(false) ?? KubeCredential.Anonymous;
        // A credential may carry a client certificate (exec plugins): the TLS layer picks it up before
        // this request's connection is opened.
        _observeCredential?.Invoke(credential);
        return credential;
    }

    /// <summary>Idempotent methods whose body (if any) is buffered and can be sent again.</summary>
    internal static bool CanRetry(HttpRequestMessage request)
    {
        var method = request.Method;
        var idempotent = method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options
            || method == HttpMethod.Delete || method == HttpMethod.Put;
        return idempotent && (request.Content is null or ByteArrayContent or ReadOnlyMemoryContent);
    }

    internal static void ApplyCredential(HttpRequestMessage request, KubeCredential credential)
    {
        if (!string.IsNullOrEmpty(credential.BearerToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential.BearerToken);
        }
        else if (credential.Username is not null)
        {
            var raw = Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(raw));
        }
        else
        {
            request.Headers.Authorization = null;
        }
    }

    internal static void ApplyImpersonation(HttpRequestMessage request, KubeImpersonation? impersonation)
    {
        if (impersonation is null)
        {
            return;
        }

        foreach (var header in request.Headers.Select(h => h.Key).Where(IsImpersonationHeader).ToList())
        {
            request.Headers.Remove(header);
        }

        foreach (var (name, value) in ImpersonationHeaderValues(impersonation))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    /// <summary>The impersonation headers of <paramref name="impersonation"/>, one per value (as client-go sends them).</summary>
    internal static IEnumerable<(string Name, string Value)> ImpersonationHeaderValues(KubeImpersonation impersonation)
    {
        if (!string.IsNullOrEmpty(impersonation.UserName))
        {
            yield return ("Impersonate-User", impersonation.UserName);
        }

        if (!string.IsNullOrEmpty(impersonation.Uid))
        {
            yield return ("Impersonate-Uid", impersonation.Uid);
        }

        foreach (var group in impersonation.Groups ?? [])
        {
            yield return ("Impersonate-Group", group);
        }

        if (impersonation.Extra is { } extra)
        {
            foreach (var (key, values) in extra)
            {
                // Header names are case-insensitive and limited to token characters: client-go escapes the key.
                var name = "Impersonate-Extra-" + Uri.EscapeDataString(key);
                foreach (var value in values)
                {
                    yield return (name, value);
                }
            }
        }
    }

    private static bool IsImpersonationHeader(string name) =>
        ImpersonationHeaders.Contains(name) || name.StartsWith("Impersonate-Extra-", StringComparison.OrdinalIgnoreCase);
}
