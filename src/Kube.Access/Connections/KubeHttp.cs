namespace Kube.Access;

/// <summary>Raw REST helpers over a connection.</summary>
internal static class KubeHttp
{
    public static Uri Url(IKubeConnection connection, string pathAndQuery) =>
        new(connection.Server.ToString().TrimEnd('/') + pathAndQuery, UriKind.Absolute);
}
