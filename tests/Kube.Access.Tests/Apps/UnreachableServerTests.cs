using FluentAssertions;
using Kube.Access.Deploy;
using Kube.Access.Dns;
using Kube.Access.Manifests;
using Kube.Access.Services;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Tests.Apps;

/// <summary>
/// Every public path of the applications maps a server that cannot be reached (a closed loopback port) to a
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
    public async Task Apply_reports_each_object_as_failed_with_a_connection_error_naming_the_server()
    {
        using var applier = new ManifestApplier(_connection);

        var result = await applier.ApplyAsync([ManifestSource.FromText("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")]);

        var error = result.Objects.Should().ContainSingle().Which.Error.Should().BeOfType<KubeConnectionException>().Which;
        error.Server.Should().Be(_server);
        error.Message.Should().Contain(_server.ToString().TrimEnd('/'));
    }

    [Fact]
    public async Task Expose_raises_a_connection_error_naming_the_server()
    {
        var act = () => new ServiceAccess(_connection).ExposeAsync(new ExposeRequest { Kind = "deployment", Name = "web", Port = 80 });

        (await act.Should().ThrowAsync<KubeConnectionException>()).Which.Server.Should().Be(_server);
    }

    [Fact]
    public async Task Describe_and_access_points_raise_a_connection_error_naming_the_server()
    {
        var services = new ServiceAccess(_connection);

        (await services.Awaiting(s => s.DescribeAsync("default", "web")).Should().ThrowAsync<KubeConnectionException>()).Which.Server.Should().Be(_server);
        (await services.Awaiting(s => s.GetAccessPointsAsync("default", "web")).Should().ThrowAsync<KubeConnectionException>()).Which.Server.Should().Be(_server);
        (await services.Awaiting(s => s.WaitForExternalAddressAsync("default", "web", TimeSpan.FromMinutes(1))).Should().ThrowAsync<KubeConnectionException>()).Which.Server.Should().Be(_server);
    }

    [Fact]
    public async Task Dns_check_and_records_raise_a_connection_error_naming_the_server()
    {
        var dns = new ClusterDns(_connection);

        (await dns.Awaiting(d => d.CheckAsync()).Should().ThrowAsync<KubeConnectionException>()).Which.Server.Should().Be(_server);
        (await dns.Awaiting(d => d.GetServiceRecordsAsync("default", "web", "cluster.local")).Should().ThrowAsync<KubeConnectionException>()).Which.Server.Should().Be(_server);
    }

    [Fact]
    public async Task Deploy_wizard_raises_a_connection_error_naming_the_server()
    {
        var wizard = new DeployWizard(_connection);
        var spec = new AppDeploymentSpec { Name = "web", Image = "nginx:1.27" };

        (await wizard.Awaiting(w => w.ValidateAsync(spec)).Should().ThrowAsync<KubeConnectionException>()).Which.Server.Should().Be(_server);
        (await wizard.Awaiting(w => w.DeployAsync(spec)).Should().ThrowAsync<KubeConnectionException>()).Which.Server.Should().Be(_server);
    }
}
