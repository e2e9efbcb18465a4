using k8s;
using Kube.Access;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InClusterWorker;

/// <summary>Options of the sample worker (section <c>Worker</c>).</summary>
public sealed class PodListingOptions
{
    /// <summary>Time between two listings.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>List once, then stop the application.</summary>
    public bool Once { get; set; }
}

/// <summary>One listing of the pods of the worker's namespace.</summary>
/// <param name="Namespace">The namespace listed (the pod's own).</param>
/// <param name="Server">The API server reached.</param>
/// <param name="Pods">Pod names and phases.</param>
public sealed record PodListing(string Namespace, Uri Server, IReadOnlyList<(string Name, string? Phase)> Pods);

/// <summary>The listings made so far (for health checks and tests).</summary>
public sealed class PodListingLog
{
    private readonly List<PodListing> _listings = [];
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the first listing.</summary>
    public Task FirstListing => _first.Task;

    /// <summary>Every listing, oldest first.</summary>
    public IReadOnlyList<PodListing> Listings
    {
        get
        {
            lock (_listings)
            {
                return _listings.ToArray();
            }
        }
    }

    internal void Add(PodListing listing)
    {
        lock (_listings)
        {
            _listings.Add(listing);
        }

        _first.TrySetResult();
    }

    internal void Fail(Exception exception) => _first.TrySetException(exception);
}

/// <summary>Lists the pods of its own namespace through the default Kube.Access connection.</summary>
public sealed class PodListingWorker(
    IKubeDefaultConnection connection,
    PodListingLog log,
    IOptions<PodListingOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<PodListingWorker> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var kube = await connection.GetAsync(stoppingToken);
            logger.LogInformation("Connected to {Server} ({Source}); namespace {Namespace}.", kube.Server, kube.Endpoint.Source, kube.Namespace);
            while (!stoppingToken.IsCancellationRequested)
            {
                var pods = await kube.Client.CoreV1.ListNamespacedPodAsync(kube.Namespace, cancellationToken: stoppingToken);
                var listing = new PodListing(kube.Namespace, kube.Server, pods.Items.Select(p => (p.Metadata.Name, p.Status?.Phase)).ToArray());
                log.Add(listing);
                foreach (var (name, phase) in listing.Pods)
                {
                    logger.LogInformation("{Namespace}/{Pod} {Phase}", listing.Namespace, name, phase);
                }

                if (options.Value.Once)
                {
                    lifetime.StopApplication();
                    return;
                }

                await Task.Delay(options.Value.Interval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is KubeAccessException or k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            logger.LogError("Listing pods failed: {Error}", e.Message);
            log.Fail(e);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }
}
