using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kube.Access.Manifests;

/// <summary>What happened to one document.</summary>
/// <param name="Document">The document as read.</param>
/// <param name="Action">Created, configured, unchanged or failed.</param>
/// <param name="DryRun">The dry-run mode it was applied with.</param>
/// <param name="Live">The object as the API server returned it (the planned object for a client dry run); null when failed.</param>
/// <param name="Error">Why it failed.</param>
public sealed record AppliedObject(ManifestDocument Document, ApplyAction Action, ApplyDryRun DryRun, JsonObject? Live, KubeAccessException? Error)
{
    /// <summary>kubectl's line: <c>deployment.apps/hello-world created</c>, with <c>(dry run)</c> or <c>(server dry run)</c>.</summary>
    public override string ToString()
    {
        if (Action == ApplyAction.Failed) return $"{Document.DisplayName}: {Error?.Message}";
        var suffix = DryRun switch { ApplyDryRun.Client => " (dry run)", ApplyDryRun.Server => " (server dry run)", _ => "" };
        return $"{Document.DisplayName} {Action.ToString().ToLowerInvariant()}{suffix}";
    }
}

/// <summary>The outcome of one apply: a result per document, in order.</summary>
/// <param name="Objects">One entry per document.</param>
public sealed record ManifestApplyResult(IReadOnlyList<AppliedObject> Objects)
{
    /// <summary>Whether every document was applied.</summary>
    public bool Succeeded => Objects.All(o => o.Action != ApplyAction.Failed);

    /// <summary>The documents the API server refused.</summary>
    public IEnumerable<AppliedObject> Failures => Objects.Where(o => o.Action == ApplyAction.Failed);
}

/// <summary>
/// <c>kubectl apply -f</c> as an API: reads multi-document YAML or JSON from files, directories, streams and http(s)
/// URLs, then creates each object or patches it when it exists, recording the last-applied configuration like kubectl.
/// </summary>
public interface IManifestApplier
{
    /// <summary>
    /// Reads and parses every source. Nothing is returned unless everything could be read: a failed download, an
    /// unreadable file or an unparsable document raises.
    /// </summary>
    /// <exception cref="ManifestException">A source could not be read or parsed (file, line and document named).</exception>
    /// <exception cref="ManifestDownloadException">A URL failed (URL and HTTP status named).</exception>
    Task<IReadOnlyList<ManifestDocument>> LoadAsync(IReadOnlyList<ManifestSource> sources, CancellationToken cancellationToken = default);

    /// <summary>Loads every source (all or nothing, see <see cref="LoadAsync"/>) and applies the documents in order.</summary>
    Task<ManifestApplyResult> ApplyAsync(IReadOnlyList<ManifestSource> sources, ApplyRequest? request = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies already loaded documents in order: create when absent, else a three-way merge patch against the live
    /// object and its last-applied configuration. A document the server refuses is reported and the others go on.
    /// </summary>
    Task<ManifestApplyResult> ApplyDocumentsAsync(IReadOnlyList<ManifestDocument> documents, ApplyRequest? request = null, CancellationToken cancellationToken = default);
}

/// <summary>The manifest applier over an <see cref="IKubeConnection"/>.</summary>
public sealed class ManifestApplier : IManifestApplier, IDisposable
{
    private static readonly string[] Extensions = [".json", ".yaml", ".yml"];
    private readonly ConnectionSource _connection;
    private readonly ManifestApplierOptions _options;
    private readonly ILogger<ManifestApplier> _logger;
    private readonly ApiResourceCatalog _catalog = new();
    private readonly Lazy<HttpClient> _download;
    private readonly KubeEnvironmentProxy? _proxy;

    /// <summary>Creates the applier over <paramref name="connection"/> (not owned).</summary>
    public ManifestApplier(IKubeConnection connection, IOptions<ManifestApplierOptions>? options = null, ILogger<ManifestApplier>? logger = null)
        : this(new ConnectionSource(connection), options, logger)
    {
    }

    /// <summary>Creates the applier over the container's default connection.</summary>
    public ManifestApplier(IKubeDefaultConnection connection, IOptions<ManifestApplierOptions>? options = null, ILogger<ManifestApplier>? logger = null)
        : this(new ConnectionSource(connection), options, logger)
    {
    }

    private ManifestApplier(ConnectionSource connection, IOptions<ManifestApplierOptions>? options, ILogger<ManifestApplier>? logger)
    {
        _connection = connection;
        _options = options?.Value ?? new ManifestApplierOptions();
        _logger = logger ?? NullLogger<ManifestApplier>.Instance;
        // kubectl's proxy rules (HTTPS_PROXY/HTTP_PROXY/NO_PROXY, never for a loopback URL), not .NET's default proxy.
        _proxy = _options.UseSystemProxy ? KubeEnvironmentProxy.FromEnvironment() : null;
        _download = new Lazy<HttpClient>(CreateDownloadClient);
    }

    private HttpClient CreateDownloadClient()
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = Math.Max(1, _options.MaxRedirects),
            UseProxy = _proxy is not null,
            Proxy = _proxy,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("kube-access", "0.1"));
        return client;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_download.IsValueCreated) _download.Value.Dispose();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ManifestDocument>> LoadAsync(IReadOnlyList<ManifestSource> sources, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var documents = new List<ManifestDocument>();
        foreach (var source in sources)
        {
            switch (source)
            {
                case ManifestSource.FileSource f:
                    documents.AddRange(ManifestParser.Parse(await ReadFileAsync(f.Path, cancellationToken).ConfigureAwait(false), f.Path));
                    break;
                case ManifestSource.DirectorySource d:
                    foreach (var file in ListDirectory(d.Path, d.Recursive))
                        documents.AddRange(ManifestParser.Parse(await ReadFileAsync(file, cancellationToken).ConfigureAwait(false), file));
                    break;
                case ManifestSource.UrlSource u:
                    documents.AddRange(ManifestParser.Parse(await DownloadAsync(u.Url, cancellationToken).ConfigureAwait(false), u.Url.ToString()));
                    break;
                case ManifestSource.StreamSource s:
                    documents.AddRange(ManifestParser.Parse(await ReadBoundedAsync(s.Content, s.StreamName, cancellationToken).ConfigureAwait(false), s.StreamName));
                    break;
                case ManifestSource.TextSource t:
                    if (Encoding.UTF8.GetByteCount(t.Content) > _options.MaxManifestBytes)
                        throw new ManifestLimitException($"{t.TextName} is larger than the limit of {_options.MaxManifestBytes} bytes", t.TextName, null, ManifestLimit.Size, _options.MaxManifestBytes);
                    documents.AddRange(ManifestParser.Parse(t.Content, t.TextName));
                    break;
                default:
                    throw new ArgumentException("Unknown manifest source.", nameof(sources));
            }
        }
        if (documents.Count == 0)
            throw new ManifestException("no objects passed to apply", string.Join(", ", sources.Select(s => s.Name)));
        return documents;
    }

    /// <inheritdoc />
    public async Task<ManifestApplyResult> ApplyAsync(IReadOnlyList<ManifestSource> sources, ApplyRequest? request = null, CancellationToken cancellationToken = default)
    {
        var documents = await LoadAsync(sources, cancellationToken).ConfigureAwait(false);
        return await ApplyDocumentsAsync(documents, request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<ManifestApplyResult> ApplyDocumentsAsync(IReadOnlyList<ManifestDocument> documents, ApplyRequest? request = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        request ??= new ApplyRequest();
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var results = new List<AppliedObject>(documents.Count);
        foreach (var document in documents)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                results.Add(await ApplyOneAsync(connection, document, request, cancellationToken).ConfigureAwait(false));
            }
            catch (KubeAccessException ex)
            {
                _logger.LogWarning("Applying {Object} from {Source} failed: {Message}", document.DisplayName, document.Source, ex.Message);
                results.Add(new AppliedObject(document, ApplyAction.Failed, request.DryRun, null, ex));
            }
        }
        return new ManifestApplyResult(results);
    }

    private async Task<AppliedObject> ApplyOneAsync(IKubeConnection connection, ManifestDocument document, ApplyRequest request, CancellationToken cancellationToken)
    {
        var resource = await _catalog.FindAsync(connection, document.ApiVersion, document.Kind, cancellationToken).ConfigureAwait(false)
            ?? throw new ManifestException(
                $"resource mapping not found for name: \"{document.Name}\" namespace: \"{document.Namespace}\" from \"{document.Source}\": no matches for kind \"{document.Kind}\" in version \"{document.ApiVersion}\"",
                document.Source, document.Line, null, document.Index);

        var obj = (JsonObject)document.Object.DeepClone();
        string? ns = null;
        if (resource.Namespaced)
        {
            var own = document.Namespace;
            var fallback = request.Namespace ?? connection.Namespace;
            if (request.EnforceNamespace && !string.IsNullOrEmpty(own) && own != request.Namespace)
                throw new ManifestException(
                    $"the namespace from the provided object \"{own}\" does not match the namespace \"{request.Namespace}\". You must pass '--namespace={own}' to perform this operation.",
                    document.Source, document.Line, null, document.Index);
            ns = string.IsNullOrEmpty(own) ? fallback : own;
            ((JsonObject)obj["metadata"]!)["namespace"] = ns;
        }

        var modified = ApplyPatch.WithLastApplied(obj);
        var dryRunQuery = request.DryRun == ApplyDryRun.Server ? "&dryRun=All" : "";
        var manager = Uri.EscapeDataString(_options.FieldManager);
        var objectPath = resource.ObjectPath(ns, document.Name);

        var current = await GetAsync(connection, objectPath, document, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            if (request.DryRun == ApplyDryRun.Client) return new AppliedObject(document, ApplyAction.Created, request.DryRun, modified, null);
            var created = await SendAsync(connection, HttpMethod.Post, $"{resource.CollectionPath(ns)}?fieldManager={manager}{dryRunQuery}", modified, "application/json", document, "create", cancellationToken).ConfigureAwait(false);
            return new AppliedObject(document, ApplyAction.Created, request.DryRun, created, null);
        }

        var original = ApplyPatch.LastApplied(current);
        if (original is null)
            _logger.LogWarning("{Object} is missing the {Annotation} annotation which is required by apply; it will be patched automatically", document.DisplayName, ApplyPatch.LastAppliedAnnotation);
        // Built-in kinds get kubectl's three-way strategic merge patch (lists merged by their patch merge keys);
        // other kinds (custom resources) a three-way JSON merge patch.
        var strategic = StrategicMergePatch.IsBuiltInGroup(resource.Group);
        var patch = strategic ? StrategicMergePatch.ThreeWay(original, modified, current) : ApplyPatch.ThreeWay(original, modified, current);
        if (patch.Count == 0) return new AppliedObject(document, ApplyAction.Unchanged, request.DryRun, current, null);
        if (request.DryRun == ApplyDryRun.Client) return new AppliedObject(document, ApplyAction.Configured, request.DryRun, modified, null);
        var contentType = strategic ? StrategicMergePatch.ContentType : "application/merge-patch+json";
        var patched = await SendAsync(connection, HttpMethod.Patch, $"{objectPath}?fieldManager={manager}{dryRunQuery}", patch, contentType, document, "patch", cancellationToken).ConfigureAwait(false);
        return new AppliedObject(document, ApplyAction.Configured, request.DryRun, patched, null);
    }

    private static async Task<JsonObject?> GetAsync(IKubeConnection connection, string path, ManifestDocument document, CancellationToken cancellationToken)
    {
        using var response = await Send(connection, new HttpRequestMessage(HttpMethod.Get, KubeHttp.Url(connection, path)), document, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw KubeApiErrors.From(response.StatusCode, body, $"error when retrieving current configuration of {document.DisplayName} from {document.Source}");
        return ParseObject(body, response.StatusCode, document);
    }

    private static async Task<JsonObject> SendAsync(IKubeConnection connection, HttpMethod method, string pathAndQuery, JsonObject body, string contentType, ManifestDocument document, string verb, CancellationToken cancellationToken)
    {
        var message = new HttpRequestMessage(method, KubeHttp.Url(connection, pathAndQuery))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await Send(connection, message, document, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var what = verb == "create"
                ? $"error when creating \"{document.Source}\""
                : $"error when patching \"{document.Source}\"";
            throw KubeApiErrors.From(response.StatusCode, text, what);
        }
        return ParseObject(text, response.StatusCode, document);
    }

    private static async Task<HttpResponseMessage> Send(IKubeConnection connection, HttpRequestMessage message, ManifestDocument document, CancellationToken cancellationToken)
    {
        using (message)
        {
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            return await KubeHttp.SendAsync(connection, message, HttpCompletionOption.ResponseContentRead, document.DisplayName, cancellationToken).ConfigureAwait(false);
        }
    }

    private static JsonObject ParseObject(string body, HttpStatusCode status, ManifestDocument document)
    {
        try
        {
            // The server echoes the object we sent: read it as deep as a manifest may be.
            return JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = ManifestParser.MaxDepth + 1 }) as JsonObject
                ?? throw new KubeApiException($"{document.DisplayName}: the API server's answer is not an object", (int)status, null, body);
        }
        catch (JsonException ex)
        {
            throw new KubeApiException($"{document.DisplayName}: the API server's answer is not JSON: {ex.Message}", (int)status, null, body, ex);
        }
    }

    private static IEnumerable<string> ListDirectory(string path, bool recursive)
    {
        try
        {
            return System.IO.Directory.EnumerateFiles(path, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ManifestException($"the path \"{path}\" cannot be read: {ex.Message}", path, innerException: ex);
        }
    }

    private async Task<string> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new ManifestException($"the path \"{path}\" does not exist", path);
            if (info.Length > _options.MaxManifestBytes)
                throw new ManifestLimitException($"the file \"{path}\" is larger than the limit of {_options.MaxManifestBytes} bytes", path, null, ManifestLimit.Size, _options.MaxManifestBytes);
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            return Decode(bytes, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ManifestException($"the path \"{path}\" cannot be read: {ex.Message}", path, innerException: ex);
        }
    }

    private async Task<string> ReadBoundedAsync(Stream stream, string name, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                if (buffer.Length + n > _options.MaxManifestBytes)
                    throw new ManifestLimitException($"{name} is larger than the limit of {_options.MaxManifestBytes} bytes", name, null, ManifestLimit.Size, _options.MaxManifestBytes);
                buffer.Write(chunk, 0, n);
            }
        }
        catch (IOException ex)
        {
            throw new ManifestException($"{name} cannot be read: {ex.Message}", name, innerException: ex);
        }
        return Decode(buffer.ToArray(), name);
    }

    private static string Decode(byte[] bytes, string name)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ManifestException($"{name} is not UTF-8 text", name, innerException: ex);
        }
    }

    private async Task<string> DownloadAsync(Uri url, CancellationToken cancellationToken)
    {
        if (url.Scheme is not ("http" or "https"))
            throw new ManifestDownloadException($"unable to read URL \"{url}\": only http and https are supported", url);
        try
        {
            _proxy?.GetProxy(url);
        }
        catch (KubeProxyConfigurationException ex)
        {
            throw new ManifestDownloadException($"unable to read URL \"{url}\": {ex.Message}", url, null, ex);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.DownloadTimeout);
        try
        {
            using var response = await _download.Value.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
                throw new ManifestDownloadException($"unable to read URL \"{url}\", server reported {status} {response.ReasonPhrase}, status code={status}", url, status);
            if (response.Content.Headers.ContentLength is { } length && length > _options.MaxManifestBytes)
                throw new ManifestDownloadException($"unable to read URL \"{url}\": the content ({length} bytes) is larger than the limit of {_options.MaxManifestBytes} bytes", url, status);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                return await ReadBoundedAsync(body, url.ToString(), timeout.Token).ConfigureAwait(false);
            }
            catch (ManifestException ex) when (ex is not ManifestDownloadException)
            {
                throw new ManifestDownloadException($"unable to read URL \"{url}\": {ex.Message}", url, status, ex);
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ManifestDownloadException($"unable to read URL \"{url}\": timed out after {_options.DownloadTimeout.TotalSeconds:0.#} s", url, null, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ManifestDownloadException($"unable to read URL \"{url}\": {ex.Message}", url, (int?)ex.StatusCode, ex);
        }
    }
}
