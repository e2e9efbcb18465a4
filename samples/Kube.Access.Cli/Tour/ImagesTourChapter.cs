namespace Kube.Access.Cli.Tour;

/// <summary>Guide chapter 7 ("List all container images running in a cluster") in the tour.</summary>
internal sealed class ImagesTourChapter : ITourChapter
{
    public string Title => ImagesChapter.Title;

    public async Task RunAsync(TourContext context, CancellationToken cancellationToken)
    {
        await using var connection = TourConnection.Create(context.Emulator);
        await ImagesChapter.RunAsync(connection, context.Output, cancellationToken);
    }
}
