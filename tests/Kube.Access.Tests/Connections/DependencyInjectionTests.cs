using System.Net;
using FluentAssertions;
using Kube.Access.InCluster;
using Kube.Access.Kubeconfig;
using Kube.Access.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Kube.Access.Tests.Connections;

public sealed class DependencyInjectionTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private KubeApiEmulator _api = null!;

    public async Task InitializeAsync() =>
        _api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = true, Scenario = EmulatorScenario.Guide }, Ct);

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private KubeEndpoint Endpoint => _api.CreateEndpoint(@namespace: null) with { Source = "test" };

    [Fact]
    public async Task AddKubeAccess_registers_the_connection_layer_with_options()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services.AddKubeAccess(o =>
        {
            o.Endpoint = Endpoint;
            o.Namespace = "kube-system";
        });
        builder.Services.Should().BeSameAs(services);

        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IOptions<KubeAccessOptions>>().Value.Namespace.Should().Be("kube-system");
        provider.GetRequiredService<IInClusterConfig>().Should().BeOfType<InClusterConfig>();
        provider.GetRequiredService<IKubeconfigLoader>().Should().NotBeNull();

        var defaults = provider.GetRequiredService<IKubeDefaultConnection>();
        var connection = await defaults.GetAsync(Ct);
        (await defaults.GetAsync(Ct)).Should().BeSameAs(connection);
        connection.Namespace.Should().Be("kube-system");
        (await ClusterConnection.ProbeAsync(connection, Ct)).Source.Should().Be("test");
    }

    [Fact]
    public async Task A_named_http_client_from_the_factory_reaches_the_default_server()
    {
        var services = new ServiceCollection();
        services.AddKubeAccess(o => o.Endpoint = Endpoint).AddKubeApiHttpClient();
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(KubeAccessHttpClientExtensions.DefaultClientName);
        using var response = await client.GetAsync("api", Ct);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(Ct)).Should().Contain("serverAddressByClientCIDRs");
        _api.Requests.Last().Headers["authorization"].Should().Be("Bearer " + _api.DefaultToken);
    }

    [Fact]
    public async Task The_default_connection_is_disposed_with_the_container()
    {
        var services = new ServiceCollection();
        services.AddKubeAccess(o => o.Endpoint = Endpoint);
        var provider = services.BuildServiceProvider();
        var connection = await provider.GetRequiredService<IKubeDefaultConnection>().GetAsync(Ct);
        await provider.DisposeAsync();
        var act = async () => await connection.ConnectWebSocketAsync("api", ["v4.channel.k8s.io"], Ct);
        await act.Should().ThrowAsync<ObjectDisposedException>();
    }
}
