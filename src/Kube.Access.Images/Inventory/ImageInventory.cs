using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Kube.Access.Images.Inventory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kube.Access.Images;

/// <summary>An inventory could not be taken (bad query, unreachable server, malformed list).</summary>
public class ImageInventoryException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public ImageInventoryException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>
/// Lists pods page by page (<c>limit</c> + <c>continue</c>, like kubectl's chunked lists) and reduces each
/// page to container images with a streaming JSON reader, so memory holds one page, not the cluster.
/// When a continue token expires (410 Gone) the listing restarts from the beginning and skips the pods it
/// already produced, so counts never include a pod twice.
/// </summary>
public sealed class ImageInventory : IImageInventory
{
    private const int MaxPageBytes = 512 * 1024 * 1024;
    private readonly ConnectionSource _connection;
    private readonly ImageInventoryOptions _options;
    private readonly ILogger _logger;

    /// <summary>An inventory over <paramref name="connection"/> (which the caller keeps owning).</summary>
    public ImageInventory(IKubeConnection connection, IOptions<ImageInventoryOptions>? options = null, ILogger<ImageInventory>? logger = null)
    {
        _connection = new ConnectionSource(connection);
        _options = options?.Value ?? new ImageInventoryOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>An inventory over the default connection (the constructor dependency injection uses).</summary>
    public ImageInventory(IKubeDefaultConnection defaultConnection, IOptions<ImageInventoryOptions>? options = null, ILogger<ImageInventory>? logger = null)
    {
        _connection = new ConnectionSource(defaultConnection);
        _options = options?.Value ?? new ImageInventoryOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ContainerImage> ListAsync(ImageQuery query, IProgress<InventoryProgress>? progress = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var pod in ByPodAsync(query, progress, cancellationToken).ConfigureAwait(false))
        {
            foreach (var container in pod.Containers)
            {
                yield return container;
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ImageCount>> CountAsync(ImageQuery query, IProgress<InventoryProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var pod in ByPodAsync(query, progress, cancellationToken).ConfigureAwait(false))
        {
            foreach (var container in pod.Containers)
            {
                counts[container.Image] = counts.TryGetValue(container.Image, out long n) ? n + 1 : 1;
            }
        }

        var result = new List<ImageCount>(counts.Count);
        foreach (var (image, count) in counts)
        {
            result.Add(new ImageCount(image, count));
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.Image, b.Image));
        return result;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<PodImages> ByPodAsync(ImageQuery query, IProgress<InventoryProgress>? progress = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        int limit = query.PageSize ?? _options.PageSize;
        if (limit <= 0)
        {
            throw new ImageInventoryException($"The page size must be positive, not {limit}.");
        }

        if (query.Namespace is { Length: 0 })
        {
            throw new ImageInventoryException("The namespace must not be empty; use null for all namespaces.");
        }

        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<ulong>();
        string? continueToken = null;
        int pages = 0;
        int restarts = 0;
        long pods = 0;
        long containers = 0;
        while (true)
        {
            PodPage page;
            try
            {
                page = await FetchPageAsync(connection, query, limit, continueToken, cancellationToken).ConfigureAwait(false);
            }
            catch (KubeApiException e) when (e.StatusCode == (int)HttpStatusCode.Gone && continueToken is not null && restarts < _options.MaxRestarts)
            {
                restarts++;
                _logger.LogInformation("The continue token expired after {Pages} pages ({Pods} pods); restarting the list ({Restart}/{Max}).", pages, pods, restarts, _options.MaxRestarts);
                continueToken = null;
                continue;
            }

            pages++;
            foreach (var pod in page.Pods)
            {
                // After a restart the list starts over: skip pods already produced.
                if (!seen.Add(Key(pod.Namespace, pod.Pod)))
                {
                    continue;
                }

                pods++;
                containers += pod.Containers.Count;
                yield return pod;
            }

            progress?.Report(new InventoryProgress(pages, pods, containers, restarts, page.RemainingItemCount));
            if (string.IsNullOrEmpty(page.Continue))
            {
                yield break;
            }

            continueToken = page.Continue;
        }
    }

    private static ulong Key(string ns, string name)
    {
        // FNV-1a 64 over "namespace/name" (UTF-16 code units): 8 bytes per pod for duplicate detection.
        unchecked
        {
            ulong h = 14695981039346656037;
            foreach (char c in ns)
            {
                h = (h ^ c) * 1099511628211;
            }

            h = (h ^ '/') * 1099511628211;
            foreach (char c in name)
            {
                h = (h ^ c) * 1099511628211;
            }

            return h;
        }
    }

    /// <summary>The path and query of one page request.</summary>
    internal static string PagePath(ImageQuery query, int limit, string? continueToken)
    {
        var sb = new StringBuilder(query.Namespace is null ? "/api/v1/pods" : "/api/v1/namespaces/" + Uri.EscapeDataString(query.Namespace) + "/pods");
        sb.Append("?limit=").Append(limit);
        if (!string.IsNullOrEmpty(query.LabelSelector))
        {
            sb.Append("&labelSelector=").Append(Uri.EscapeDataString(query.LabelSelector));
        }

        if (!string.IsNullOrEmpty(query.FieldSelector))
        {
            sb.Append("&fieldSelector=").Append(Uri.EscapeDataString(query.FieldSelector));
        }

        if (continueToken is not null)
        {
            sb.Append("&continue=").Append(Uri.EscapeDataString(continueToken));
        }

        return sb.ToString();
    }

    private static async Task<PodPage> FetchPageAsync(IKubeConnection connection, ImageQuery query, int limit, string? continueToken, CancellationToken cancellationToken)
    {
        var (buffer, length) = await FetchRawPageAsync(connection, query, limit, continueToken, cancellationToken).ConfigureAwait(false);
        try
        {
            return ParsePage(buffer.AsSpan(0, length), query.Kinds);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static PodPage ParsePage(ReadOnlySpan<byte> json, ContainerKinds kinds)
    {
        try
        {
            return PodListPageReader.Read(json, kinds);
        }
        catch (JsonException e)
        {
            throw new ImageInventoryException($"The API server sent a pod list that is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Fetches one page into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it).</summary>
    private static async Task<(byte[] Buffer, int Length)> FetchRawPageAsync(IKubeConnection connection, ImageQuery query, int limit, string? continueToken, CancellationToken cancellationToken)
    {
        var uri = new Uri(connection.Server.ToString().TrimEnd('/') + PagePath(query, limit, continueToken));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage response;
        try
        {
            response = await connection.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ImageInventoryException($"Could not list pods from {connection.Server}: {KubeApiErrors.WithCause(e)}", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await ToApiExceptionAsync(response, cancellationToken).ConfigureAwait(false);
            }

            byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            int length = 0;
            bool ok = false;
            try
            {
                var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    while (true)
                    {
                        if (length == buffer.Length)
                        {
                            if (buffer.Length >= MaxPageBytes)
                            {
                                throw new ImageInventoryException($"A page of the pod list exceeded {MaxPageBytes / (1024 * 1024)} MiB; use a smaller page size.");
                            }

                            var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                            buffer.AsSpan(0, length).CopyTo(bigger);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = bigger;
                        }

                        int read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        length += read;
                    }
                }

                ok = true;
                return (buffer, length);
            }
            catch (HttpRequestException e)
            {
                throw new ImageInventoryException($"The pod list from {connection.Server} was cut short: {e.Message}", e);
            }
            catch (IOException e)
            {
                throw new ImageInventoryException($"The pod list from {connection.Server} was cut short: {e.Message}", e);
            }
            finally
            {
                if (!ok)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    /// <inheritdoc />
    public async Task WriteJsonPathAsync(ImageQuery query, JsonPathTemplate template, Stream output, IProgress<InventoryProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(output);
        int limit = query.PageSize ?? _options.PageSize;
        if (limit <= 0)
        {
            throw new ImageInventoryException($"The page size must be positive, not {limit}.");
        }

        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        bool joinWithSpace = template.IsSingleAction;
        var pageOutput = new ArrayBufferWriter<byte>(4096);
        bool wroteAny = false;
        string? continueToken = null;
        int pages = 0;
        long pods = 0;
        while (true)
        {
            byte[] buffer;
            int length;
            try
            {
                (buffer, length) = await FetchRawPageAsync(connection, query, limit, continueToken, cancellationToken).ConfigureAwait(false);
            }
            catch (KubeApiException e) when (e.StatusCode == (int)HttpStatusCode.Gone && continueToken is not null)
            {
                throw new ImageInventoryException(
                    $"The list's continue token expired after {pages} pages; output already written cannot be taken back. Retry, or use a larger page size.", e);
            }

            PodPage page;
            try
            {
                page = ParsePage(buffer.AsSpan(0, length), ContainerKinds.None);
                pageOutput.ResetWrittenCount();
                using (var document = JsonDocument.Parse(buffer.AsMemory(0, length)))
                {
                    template.Evaluate(document.RootElement, pageOutput);
                }
            }
            catch (JsonException e)
            {
                throw new ImageInventoryException($"The API server sent a pod list that is not valid JSON: {e.Message}", e);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            pages++;
            pods += page.Pods.Count;
            if (pageOutput.WrittenCount > 0)
            {
                if (joinWithSpace && wroteAny)
                {
                    await output.WriteAsync(" "u8.ToArray(), cancellationToken).ConfigureAwait(false);
                }

                await output.WriteAsync(pageOutput.WrittenMemory, cancellationToken).ConfigureAwait(false);
                wroteAny = true;
            }

            progress?.Report(new InventoryProgress(pages, pods, 0, 0, page.RemainingItemCount));
            if (string.IsNullOrEmpty(page.Continue))
            {
                return;
            }

            continueToken = page.Continue;
        }
    }

    private static Task<KubeApiException> ToApiExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        KubeApiException.FromResponseAsync(response, "list pods", cancellationToken);
}
