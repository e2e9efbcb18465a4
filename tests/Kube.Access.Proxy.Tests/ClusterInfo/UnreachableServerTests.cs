using FluentAssertions;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Proxy.Tests.ClusterInfoTests;

/// <summary>
/// cluster-info and the dashboard map a server that cannot be reached (a closed loopback port) to a
/// <see cref="KubeConnectionException"/> naming the server, never a raw <see cref="HttpRequestException"/>.
/// </summary>
public sealed class UnreachableServerTests : IAsyncLifetime
{
    private IKubeConnection _connection = null!;
    private Uri _server = null!;

    public Task InitializeAsync()
    {
        _server = ClosedLoopbackPort.Server();
        _connection = new KubeConnectionFactory().Create(new KubeEndpoint { Server = _server, Namespace = "default" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task Cluster_info_raises_a_connection_error_naming_the_server()
    {
        var act = () => new ClusterInfo().GetAsync(_connection);

        var error = (await act.Should().ThrowAsync<KubeConnectionException>()).Which;
        error.Server.Should().Be(_server);
        error.Message.Should().Contain("list services labelled kubernetes.io/cluster-service=true in namespace kube-system");
    }

    [Fact]
    public async Task Dashboard_url_raises_a_connection_error_naming_the_server()
    {
        var act = () => new DashboardAccess().GetUrlAsync(_connection);

        (await act.Should().ThrowAsync<KubeConnectionException>()).Which.Server.Should().Be(_server);
    }

    [Fact]
    public async Task Dashboard_admin_user_raises_a_connection_error_naming_the_server()
    {
        var act = () => new DashboardAccess().CreateAdminUserAsync(_connection);

        (await act.Should().ThrowAsync<KubeConnectionException>()).Which.Server.Should().Be(_server);
    }
}
