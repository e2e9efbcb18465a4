namespace Kube.Access;

/// <summary>
/// How the connection factory turns a kubeconfig (path list + context) into an endpoint. The
/// kubeconfig package plugs in here; until then kubeconfig resolution reports that it is missing.
/// </summary>
internal interface IKubeconfigEndpointResolver
{
    /// <summary>Whether a kubeconfig exists at <paramref name="path"/> or in the default locations.</summary>
    bool Exists(string? path);

    /// <summary>The endpoint of <paramref name="context"/> (or current-context) in the kubeconfig at <paramref name="path"/> (or the default locations).</summary>
    ValueTask<KubeEndpoint> ResolveAsync(string? path, string? context, CancellationToken cancellationToken);
}

/// <summary>Default locations: <c>KUBECONFIG</c> (path list) else <c>~/.kube/config</c>.</summary>
internal static class KubeconfigLocations
{
    public static IReadOnlyList<string> Resolve(string? explicitPath)
    {
        var raw = explicitPath ?? Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(raw))
        {
            return raw.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? [] : [Path.Combine(home, ".kube", "config")];
    }
}
