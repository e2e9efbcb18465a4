namespace Kube.Access.Cli.Tour;

/// <summary>The chapters of <c>kube-access tour</c>, in order; each capability adds its own line.</summary>
internal static class TourChapters
{
    public static IEnumerable<ITourChapter> Create()
    {
        yield return new EmulatorChapter();
        yield return new ListingChapter();
        yield return new DashboardChapter();
        yield return new ClusterInfoChapter();
        yield return new ClusterAccessChapter();
        yield return new MultiClusterChapter();
        yield return new PortForwardChapter();
        yield return new ServicesChapter();
        yield return new FrontendBackendChapter();
        yield return new ImagesTourChapter();
        yield return new SharedVolumeChapter();
        yield return new DnsChapter();
    }
}
