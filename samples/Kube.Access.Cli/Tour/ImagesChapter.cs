using Kube.Access.Images;

namespace Kube.Access.Cli.Tour;

/// <summary>
/// The tour's "container images" chapter: the guide's four commands, each shown as the kubectl pipeline
/// and run through <see cref="IImageInventory"/>. Self-contained so the tour framework only has to call
/// <see cref="RunAsync"/> with its connection and writer.
/// </summary>
internal static class ImagesChapter
{
    public const string Title = "List all container images running in a cluster";

    public static async Task RunAsync(IKubeConnection connection, TextWriter output, CancellationToken cancellationToken)
    {
        var inventory = new ImageInventory(connection);

        await output.WriteLineAsync("$ kubectl get pods --all-namespaces -o jsonpath=\"{.items[*].spec.containers[*].image}\" | tr -s '[[:space:]]' '\\n' | sort | uniq -c");
        foreach (var line in await inventory.CountAsync(ImageQuery.AllNamespaces, null, cancellationToken))
        {
            await output.WriteLineAsync($"{line.Count,7} {line.Image}");
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync("$ kubectl get pods --all-namespaces -o=jsonpath='{range .items[*]}{\"\\n\"}{.metadata.name}{\":\\t\"}{range .spec.containers[*]}{.image}{\", \"}{end}{end}' | sort");
        var lines = new List<string>();
        await foreach (var pod in inventory.ByPodAsync(ImageQuery.AllNamespaces, null, cancellationToken))
        {
            lines.Add(pod.Pod + ":\t" + string.Concat(pod.Containers.Select(c => c.Image + ", ")));
        }

        lines.Sort(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            await output.WriteLineAsync(line);
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync("$ kubectl get pods --all-namespaces -o=jsonpath=\"{.items[*].spec.containers[*].image}\" -l app=nginx");
        await WriteImagesAsync(inventory, ImageQuery.AllNamespaces with { LabelSelector = "app=nginx" }, output, cancellationToken);

        await output.WriteLineAsync("$ kubectl get pods --namespace kube-system -o jsonpath=\"{.items[*].spec.containers[*].image}\"");
        await WriteImagesAsync(inventory, new ImageQuery { Namespace = "kube-system" }, output, cancellationToken);
    }

    private static async Task WriteImagesAsync(IImageInventory inventory, ImageQuery query, TextWriter output, CancellationToken cancellationToken)
    {
        var images = new List<string>();
        await foreach (var row in inventory.ListAsync(query, null, cancellationToken))
        {
            images.Add(row.Image);
        }

        await output.WriteLineAsync(string.Join(' ', images));
        await output.WriteLineAsync();
    }
}
