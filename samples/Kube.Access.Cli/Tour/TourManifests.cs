using System.Reflection;

namespace Kube.Access.Cli.Tour;

/// <summary>The guide's manifests (samples/manifests), embedded in the tool so the tour runs from any directory.</summary>
internal static class TourManifests
{
    /// <summary>The text of one manifest file, by its file name (for example <c>backend-deployment.yaml</c>).</summary>
    public static string Read(string fileName)
    {
        var assembly = typeof(TourManifests).Assembly;
        using var stream = assembly.GetManifestResourceStream("manifests/" + fileName)
            ?? throw new FileNotFoundException($"The tour's embedded manifest \"{fileName}\" is missing.", fileName);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Where the guide applies it from (<c>https://k8s.io/examples/...</c>), for the printed kubectl line.</summary>
    public static string GuideUrl(string fileName) => fileName switch
    {
        "hello-application.yaml" or "backend-deployment.yaml" or "backend-service.yaml" or "frontend-deployment.yaml" or "frontend-service.yaml"
            => "https://k8s.io/examples/service/access/" + fileName,
        "two-container-pod.yaml" => "https://k8s.io/examples/pods/two-container-pod.yaml",
        _ => "https://k8s.io/examples/application/mongodb/" + fileName,
    };
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread, so printed lines keep their order.</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
