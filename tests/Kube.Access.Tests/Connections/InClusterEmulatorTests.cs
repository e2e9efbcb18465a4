using FluentAssertions;
using InClusterWorker;
using k8s;
using Kube.Access.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Kube.Access.Tests.Connections;

/// <summary>
/// In-cluster configuration against the HTTPS emulator: a temporary service-account directory and
/// the service environment variables, with the token rotated under a running client.
/// </summary>
public sealed class InClusterEmulatorTests : IAsyncLifetime, IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly string _serviceAccount = Directory.CreateTempSubdirectory("kube-access-sa-").FullName;
    private KubeApiEmulator _api = null!;

    public async Task InitializeAsync()
    {
        _api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = true, Scenario = EmulatorScenario.Guide }, Ct);
        await File.WriteAllTextAsync(Path.Combine(_serviceAccount, "ca.crt"), _api.CertificateAuthorityPem, Ct);
        await File.WriteAllTextAsync(Path.Combine(_serviceAccount, "namespace"), "default\n", Ct);
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    public void Dispose() => Directory.Delete(_serviceAccount, recursive: true);

    private Dictionary<string, string> ServiceEnvironment => new()
    {
        ["KUBERNETES_SERVICE_HOST"] = _api.Url.Host,
        ["KUBERNETES_SERVICE_PORT"] = _api.Url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private async Task WriteTokenAsync(string token)
    {
        // Written like the kubelet does: a new file renamed into place.
        var temp = Path.Combine(_serviceAccount, ".token.tmp");
        await File.WriteAllTextAsync(temp, token, Ct);
        File.Move(temp, Path.Combine(_serviceAccount, "token"), overwrite: true);
    }

    private void ConfigureInCluster(KubeAccessOptions o)
    {
        o.Mode = KubeConnectionMode.Auto;
        o.ServiceAccountDirectory = _serviceAccount;
        o.InClusterEnvironment = ServiceEnvironment;
    }

    [Fact]
    public async Task The_default_connection_is_in_cluster_and_survives_token_rotation_for_rest_and_websockets()
    {
        _api.AddToken("sa-token-1", "system:serviceaccount:default:worker");
        await WriteTokenAsync("sa-token-1");
        var options = new KubeAccessOptions();
        ConfigureInCluster(options);
        var factory = new KubeConnectionFactory(Options.Create(options));

        await using var connection = await factory.CreateDefaultAsync(Ct);
        connection.Endpoint.Source.Should().StartWith("in-cluster");
        connection.Namespace.Should().Be("default");
        var pods = await connection.Client.CoreV1.ListNamespacedPodAsync(connection.Namespace, cancellationToken: Ct);
        pods.Items.Should().NotBeEmpty();

        // The kubelet rotates the token; the API server stops accepting the old one.
        _api.AddToken("sa-token-2", "system:serviceaccount:default:worker");
        await WriteTokenAsync("sa-token-2");
        _api.RevokeToken("sa-token-1").Should().BeTrue();

        (await connection.Client.CoreV1.ListNamespacedPodAsync(connection.Namespace, cancellationToken: Ct)).Items.Should().NotBeEmpty();
        var rest = _api.Requests.Where(r => r.PathAndQuery.StartsWith("/api/v1/namespaces/default/pods", StringComparison.Ordinal)).ToList();
        rest.Select(r => (r.Headers["authorization"], r.StatusCode)).Should().Equal(
            ("Bearer sa-token-1", 200), ("Bearer sa-token-1", 401), ("Bearer sa-token-2", 200));

        // Again, and this time the first call after the rotation is a new WebSocket.
        _api.AddToken("sa-token-3", "system:serviceaccount:default:worker");
        await WriteTokenAsync("sa-token-3");
        _api.RevokeToken("sa-token-2").Should().BeTrue();
        var mongo = _api.ListNames("pods", "default").First(n => n.StartsWith("mongo", StringComparison.Ordinal));
        (await EmulatorConnectionTests.PortForwardEchoAsync(connection, "default", mongo, 27017, "after rotation")).Should().Be("after rotation");
        var upgrades = _api.Requests.Where(r => r.PathAndQuery.Contains("/portforward", StringComparison.Ordinal)).ToList();
        upgrades.Select(r => r.Headers["authorization"]).Should().Equal("Bearer sa-token-2", "Bearer sa-token-3");
        upgrades[0].StatusCode.Should().Be(401);
    }

    [Fact]
    public async Task Without_the_environment_the_factory_says_why_it_is_not_in_cluster()
    {
        await WriteTokenAsync("sa-token-1");
        var options = new KubeAccessOptions
        {
            Mode = KubeConnectionMode.InCluster,
            ServiceAccountDirectory = _serviceAccount,
            InClusterEnvironment = new Dictionary<string, string>(),
        };
        var act = async () => await new KubeConnectionFactory(Options.Create(options)).CreateDefaultAsync(Ct);
        (await act.Should().ThrowAsync<KubeAccessException>()).Which.Message.Should().Contain("KUBERNETES_SERVICE_HOST");
    }

    [Fact]
    public async Task The_di_sample_worker_lists_the_pods_of_its_namespace()
    {
        _api.AddToken("worker-token", "system:serviceaccount:default:worker");
        await WriteTokenAsync("worker-token");

        var builder = WorkerHost.CreateBuilder(["--Worker:Once=true"], ConfigureInCluster);
        using var host = builder.Build();
        var log = host.Services.GetRequiredService<PodListingLog>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await host.RunAsync(timeout.Token);

        await log.FirstListing;
        var listing = log.Listings.Should().ContainSingle().Subject;
        listing.Namespace.Should().Be("default");
        listing.Server.AbsoluteUri.TrimEnd('/').Should().Be(_api.Url.AbsoluteUri.TrimEnd('/'));
        listing.Pods.Select(p => p.Name).Should().BeEquivalentTo(_api.ListNames("pods", "default"));
        _api.Requests.Should().Contain(r => r.PathAndQuery.StartsWith("/api/v1/namespaces/default/pods", StringComparison.Ordinal) && r.Headers["authorization"] == "Bearer worker-token");
    }
}
