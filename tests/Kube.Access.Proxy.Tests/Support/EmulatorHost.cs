using Kube.Access.Testing;
using Kube.Access.TestSupport;

namespace Kube.Access.Proxy.Tests.Support;

/// <summary>The proxy tests' emulator: by default an HTTPS <see cref="EmulatorSession"/> with the guide's objects.</summary>
public static class EmulatorHost
{
    public static Task<EmulatorSession> StartAsync(EmulatorScenario scenario = EmulatorScenario.Guide, bool https = true, bool recordRequests = true) =>
        EmulatorSession.StartAsync(scenario, TimeSpan.FromMilliseconds(200), https, recordRequests: recordRequests);

    /// <summary>A connection with other credentials or server (for failure tests).</summary>
    public static IKubeConnection CreateConnection(this EmulatorSession host, Uri? server = null, string? token = null) => new KubeConnection(host.Endpoint with
    {
        Server = server ?? host.Api.Url,
        Credentials = new StaticCredentialSource(KubeCredential.FromToken(token ?? host.Api.DefaultToken)),
    });
}
