namespace Kube.Access.Images;

/// <summary>
/// The container images running in a cluster: the guide's "List All Container Images Running in a Cluster",
/// as a streaming, paged API that keeps one page in memory at a time.
/// </summary>
public interface IImageInventory
{
    /// <summary>Streams one row per container of every matching pod, page by page.</summary>
    /// <param name="query">Namespaces, selectors and container kinds.</param>
    /// <param name="progress">Receives an update after every page.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <exception cref="KubeApiException">The API server refused the list (forbidden, bad selector...).</exception>
    IAsyncEnumerable<ContainerImage> ListAsync(ImageQuery query, IProgress<InventoryProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Counts containers per image, sorted by image (ordinal): <c>tr | sort | uniq -c</c>.</summary>
    /// <param name="query">Namespaces, selectors and container kinds.</param>
    /// <param name="progress">Receives an update after every page.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    Task<IReadOnlyList<ImageCount>> CountAsync(ImageQuery query, IProgress<InventoryProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Streams each matching pod with its container images, in list order.</summary>
    /// <param name="query">Namespaces, selectors and container kinds.</param>
    /// <param name="progress">Receives an update after every page.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    IAsyncEnumerable<PodImages> ByPodAsync(ImageQuery query, IProgress<InventoryProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>kubectl get pods -o jsonpath=TEMPLATE</c> in bounded memory: the template is evaluated on each page
    /// (a <c>PodList</c> of at most the page size) and the outputs are written in order. Templates over
    /// <c>.items</c> give kubectl's output: a template that is one action joins pages with a space, as kubectl
    /// joins that action's results; other templates (<c>{range .items[*]}...{end}</c>) are concatenated.
    /// List-level fields (<c>.metadata.resourceVersion</c>) are evaluated once per page.
    /// </summary>
    /// <param name="query">Namespaces and selectors (<see cref="ImageQuery.Kinds"/> does not apply).</param>
    /// <param name="template">The compiled template.</param>
    /// <param name="output">Receives the UTF-8 output.</param>
    /// <param name="progress">Receives an update after every page.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <exception cref="JsonPathException">The template failed on a page.</exception>
    /// <exception cref="ImageInventoryException">The continue token expired midway (output cannot be taken back).</exception>
    Task WriteJsonPathAsync(ImageQuery query, JsonPathTemplate template, Stream output, IProgress<InventoryProgress>? progress = null, CancellationToken cancellationToken = default);
}
