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
}
