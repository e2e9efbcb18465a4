using System.Text;
using FluentAssertions;
using k8s;
using k8s.Models;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.PortForward.Tests;

/// <summary>Tests that change the cluster: each runs its own emulator.</summary>
public sealed class PodReplacementTests
{
    [Fact]
    public async Task A_deployment_forward_moves_to_the_replacement_pod_when_its_pod_is_deleted()
    {
        var ct = PortForwardFixture.Timeout(5);
        await using var emulator = await EmulatorSession.StartAsync(EmulatorScenario.Guide, cancellationToken: ct);
        var (api, connection) = (emulator.Api, emulator.Connection);
        var forwarder = new PortForwarder(connection);
        var oldPod = await MongoPodAsync(connection, null, ct);

        await using var session = await forwarder.StartAsync("deployment/mongo", [":27017"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, ct);
        var changed = new TaskCompletionSource<PortForwardPodChanged>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.PodChanged += (_, c) => changed.TrySetResult(c);
        var endPoint = session.Ports[0].LocalEndPoint;
        (await PortForwardFixture.EchoAsync(endPoint, Encoding.ASCII.GetBytes("before"), ct)).Should().Equal(Encoding.ASCII.GetBytes("before"));

        await connection.Client.CoreV1.DeleteNamespacedPodAsync(oldPod, "default", cancellationToken: ct);
        var newPod = await MongoPodAsync(connection, oldPod, ct);
        api.BindPodPort("default", newPod, 27017, PodBackend.Echo);

        var change = await changed.Task.WaitAsync(ct);
        change.PreviousPod.Should().Be(oldPod);
        change.Pod.Should().Be(newPod);
        session.Pod.Should().Be(newPod);
        var opened = new TaskCompletionSource<PortForwardConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.ConnectionOpened += (_, c) => opened.TrySetResult(c);
        (await PortForwardFixture.EchoAsync(endPoint, Encoding.ASCII.GetBytes("after"), ct)).Should().Equal(Encoding.ASCII.GetBytes("after"));
        (await opened.Task.WaitAsync(ct)).Pod.Should().Be(newPod);
    }

    [Fact]
    public async Task A_pod_forward_keeps_its_pod_and_reports_its_end()
    {
        var ct = PortForwardFixture.Timeout(5);
        await using var emulator = await EmulatorSession.StartAsync(EmulatorScenario.Guide, cancellationToken: ct);
        var (api, connection) = (emulator.Api, emulator.Connection);
        var forwarder = new PortForwarder(connection);
        var pod = await MongoPodAsync(connection, null, ct);
        await using var session = await forwarder.StartAsync($"pod/{pod}", [":27017"], "default", new PortForwardOptions { Addresses = ["127.0.0.1"] }, ct);
        var closed = new TaskCompletionSource<PortForwardConnectionClosed>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.ConnectionClosed += (_, c) => closed.TrySetResult(c);

        await connection.Client.CoreV1.DeleteNamespacedPodAsync(pod, "default", cancellationToken: ct);
        try
        {
            (await PortForwardFixture.EchoAsync(session.Ports[0].LocalEndPoint, [1], ct)).Should().BeEmpty("the pod is gone: nothing comes back");
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            // Closing a socket with unread input resets it: also an end.
            ex.SocketErrorCode.Should().Be(System.Net.Sockets.SocketError.ConnectionReset);
        }

        var error = (await closed.Task.WaitAsync(ct)).Error;
        error.Should().NotBeNull();
        error!.Pod.Should().Be(pod);
        error.Message.Should().Contain(pod);
        session.Pod.Should().Be(pod);
    }

    private static async Task<string> MongoPodAsync(IKubeConnection connection, string? notThis, CancellationToken ct)
    {
        while (true)
        {
            var pods = await connection.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app.kubernetes.io/name=mongo", cancellationToken: ct);
            var match = pods.Items.FirstOrDefault(p => p.Metadata.Name != notThis && p.Metadata.DeletionTimestamp is null && p.Status?.Phase == "Running");
            if (match is not null)
            {
                return match.Metadata.Name;
            }

            await Task.Delay(100, ct);
        }
    }
}
