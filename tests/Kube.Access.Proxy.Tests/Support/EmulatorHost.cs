using Kube.Access.Testing;

namespace Kube.Access.Proxy.Tests.Support;

/// <summary>An HTTPS emulator with the guide's objects, a kubeconfig for kubectl and a connection for our code.</summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private EmulatorHost(KubeApiEmulator api, string directory, IKubeConnection connection)
    {
        Api = api;
        Directory = directory;
        Connection = connection;
        Kubeconfig = Path.Combine(directory, "kubeconfig");
        api.WriteKubeconfig(Kubeconfig);
    }

    public KubeApiEmulator Api { get; }

    public string Directory { get; }

    public string Kubeconfig { get; }

    public IKubeConnection Connection { get; }

    public static async Task<EmulatorHost> StartAsync(EmulatorScenario scenario = EmulatorScenario.Guide, bool https = true, bool recordRequests = true)
    {
        var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = https, Scenario = scenario, LoadBalancerDelay = TimeSpan.FromMilliseconds(200), RecordRequests = recordRequests });
        var directory = Path.Combine(Path.GetTempPath(), "kube-access-proxy-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var connection = new KubeConnection(new KubeEndpoint
        {
            Server = api.Url,
            Tls = new KubeTlsSettings { CertificateAuthorityPem = api.CertificateAuthorityPem },
            Credentials = new StaticCredentialSource(KubeCredential.FromToken(api.DefaultToken)),
        });
        return new EmulatorHost(api, directory, connection);
    }

    /// <summary>A connection with other credentials or server (for failure tests).</summary>
    public IKubeConnection CreateConnection(Uri? server = null, string? token = null) => new KubeConnection(new KubeEndpoint
    {
        Server = server ?? Api.Url,
        Tls = new KubeTlsSettings { CertificateAuthorityPem = Api.CertificateAuthorityPem },
        Credentials = new StaticCredentialSource(KubeCredential.FromToken(token ?? Api.DefaultToken)),
    });

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Api.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
