using FluentAssertions;
using k8s.Models;
using Kube.Access.PortForward;
using Xunit;

namespace Kube.Access.PortForward.Tests;

public sealed class PodOrderingTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static V1Pod Pod(string name, string phase = "Running", bool ready = true, string? node = "node-1", DateTime? readySince = null, int restarts = 0, DateTime? created = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, CreationTimestamp = created ?? T0 },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c" }] },
        Status = new V1PodStatus
        {
            Phase = phase,
            Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = readySince ?? T0 }],
            ContainerStatuses = [new V1ContainerStatus { Name = "c", RestartCount = restarts, Image = "i", ImageID = "i", Ready = ready }],
        },
    };

    private static string First(params V1Pod[] pods) => PodOrdering.SortLikeKubectl(pods)[0].Metadata.Name;

    [Fact]
    public void Prefers_an_assigned_pod() =>
        First(Pod("unassigned", node: null), Pod("assigned")).Should().Be("assigned");

    [Fact]
    public void Prefers_running_over_unknown_over_pending()
    {
        First(Pod("pending", "Pending", ready: false), Pod("unknown", "Unknown", ready: false)).Should().Be("unknown");
        First(Pod("unknown", "Unknown", ready: false), Pod("running", ready: false)).Should().Be("running");
    }

    [Fact]
    public void Prefers_ready_then_ready_for_longer() =>
        First(Pod("not-ready", ready: false), Pod("ready-later", readySince: T0.AddMinutes(5)), Pod("ready-first", readySince: T0))
            .Should().Be("ready-first");

    [Fact]
    public void Prefers_fewer_restarts_then_the_older_pod()
    {
        First(Pod("flaky", restarts: 3), Pod("steady", restarts: 0)).Should().Be("steady");
        First(Pod("newer", created: T0.AddHours(1)), Pod("older", created: T0)).Should().Be("older");
    }

    [Fact]
    public void Keeps_the_server_order_for_equal_pods() =>
        PodOrdering.SortLikeKubectl([Pod("a"), Pod("b"), Pod("c")]).Select(p => p.Metadata.Name).Should().Equal("a", "b", "c");
}
