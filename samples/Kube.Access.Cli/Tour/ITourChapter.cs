namespace Kube.Access.Cli.Tour;

/// <summary>
/// One chapter of <c>kube-access tour</c>: it shows one capability of Kube.Access against the embedded
/// emulator (guide scenario), the way one chapter of the "Access Applications in a Cluster" guide does
/// with kubectl. Add a chapter by implementing this interface and adding one line to <see cref="TourChapters"/>.
/// </summary>
internal interface ITourChapter
{
    /// <summary>The chapter's title (printed as its heading).</summary>
    string Title { get; }

    /// <summary>Runs the chapter, printing what it does to <see cref="TourContext.Output"/>.</summary>
    Task RunAsync(TourContext context, CancellationToken cancellationToken);
}
