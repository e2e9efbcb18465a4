namespace Kube.Access.Images;

/// <summary>Which list of a pod spec a container comes from.</summary>
public enum ContainerKind
{
    /// <summary><c>spec.initContainers</c>.</summary>
    Init,

    /// <summary><c>spec.containers</c>.</summary>
    Regular,

    /// <summary><c>spec.ephemeralContainers</c> (debug containers added by <c>kubectl debug</c>).</summary>
    Ephemeral,
}

/// <summary>A set of <see cref="ContainerKind"/>s to include in an inventory.</summary>
[Flags]
public enum ContainerKinds
{
    /// <summary>No container.</summary>
    None = 0,

    /// <summary>Init containers.</summary>
    Init = 1,

    /// <summary>Regular containers: what the guide's <c>{.items[*].spec.containers[*].image}</c> lists.</summary>
    Regular = 2,

    /// <summary>Ephemeral containers.</summary>
    Ephemeral = 4,

    /// <summary>Every kind.</summary>
    All = Init | Regular | Ephemeral,
}

/// <summary>One container of one pod and the image it runs.</summary>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Pod">The pod's name.</param>
/// <param name="Container">The container's name.</param>
/// <param name="Image">The image as written in the pod spec (<c>nginx:1.14.2</c>).</param>
/// <param name="ImageId">The resolved image from the container status (<c>docker.io/library/nginx@sha256:...</c>), when the kubelet reported one.</param>
/// <param name="Kind">Init, regular or ephemeral.</param>
public sealed record ContainerImage(string Namespace, string Pod, string Container, string Image, string? ImageId, ContainerKind Kind);

/// <summary>How many containers run one image: a line of <c>sort | uniq -c</c>.</summary>
/// <param name="Image">The image.</param>
/// <param name="Count">The number of containers running it.</param>
public sealed record ImageCount(string Image, long Count);

/// <summary>The images of one pod, in spec order: a line of the guide's per-pod listing.</summary>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Pod">The pod's name.</param>
/// <param name="Containers">The pod's containers (of the requested kinds).</param>
public sealed record PodImages(string Namespace, string Pod, IReadOnlyList<ContainerImage> Containers);

/// <summary>Which pods and containers an inventory covers.</summary>
public sealed record ImageQuery
{
    /// <summary>All namespaces (<c>kubectl get pods -A</c>).</summary>
    public static ImageQuery AllNamespaces { get; } = new();

    /// <summary>One namespace, or <see langword="null"/> for all namespaces.</summary>
    public string? Namespace { get; init; }

    /// <summary>A label selector (<c>-l app=nginx</c>), or <see langword="null"/>.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>A field selector (<c>--field-selector status.phase=Running</c>), or <see langword="null"/>.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>Which containers to include; the guide's commands list <see cref="ContainerKinds.Regular"/> containers.</summary>
    public ContainerKinds Kinds { get; init; } = ContainerKinds.Regular;

    /// <summary>Pods per page (<c>limit</c>); <see langword="null"/> uses <see cref="ImageInventoryOptions.PageSize"/>.</summary>
    public int? PageSize { get; init; }
}

/// <summary>Progress of an inventory: reported after every page.</summary>
/// <param name="Pages">Pages received so far.</param>
/// <param name="Pods">Distinct pods seen so far.</param>
/// <param name="Containers">Containers (rows) produced so far.</param>
/// <param name="Restarts">How many times the list restarted because its continue token expired (410 Gone).</param>
/// <param name="RemainingItemCount">The server's estimate of pods still to come, when it gives one.</param>
public sealed record InventoryProgress(int Pages, long Pods, long Containers, int Restarts, long? RemainingItemCount);

/// <summary>Options of <see cref="ImageInventory"/>.</summary>
public sealed class ImageInventoryOptions
{
    /// <summary>Pods per page (kubectl's default chunk size is 500).</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>How many times an expired continue token (410 Gone) may restart one listing.</summary>
    public int MaxRestarts { get; set; } = 5;
}
