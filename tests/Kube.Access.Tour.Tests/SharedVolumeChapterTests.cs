using FluentAssertions;
using k8s;
using Kube.Access.Cli.Tour;
using Xunit;

namespace Kube.Access.Tour.Tests;

/// <summary>The tour's chapter 8 (shared volume) end to end: apply from a redirecting URL, container states, exec curl localhost.</summary>
public sealed class SharedVolumeChapterTests
{
    [Fact]
    public async Task The_chapter_applies_from_a_redirecting_url_shows_the_states_and_curls_the_shared_page()
    {
        await using var s = await TourSession.StartAsync();
        var lines = await s.RunAsync(new SharedVolumeChapter());
        var text = string.Join('\n', lines);

        lines.Should().Contain("$ kubectl apply -f https://k8s.io/examples/pods/two-container-pod.yaml", text);
        lines.Should().Contain("pod/two-containers created", text);
        lines.Should().Contain(l => l.StartsWith("debian-container", StringComparison.Ordinal) && l.Contains(" terminated ", StringComparison.Ordinal) && l.Contains("exitCode: 0", StringComparison.Ordinal), text);
        lines.Should().Contain(l => l.StartsWith("nginx-container", StringComparison.Ordinal) && l.Contains(" running ", StringComparison.Ordinal), text);

        // The page the debian container wrote into the shared emptyDir, served by nginx.
        var curl = lines.ToList().FindIndex(l => l.EndsWith("# curl localhost", StringComparison.Ordinal));
        curl.Should().BeGreaterThan(0, text);
        lines[curl + 1].Should().Be("debian 컨테이너에서 안녕하세요");
        lines[curl + 2].Should().Be("# exit code 0");

        // The shell step: the pod's name and the API server's service address from the kubelet's variables.
        var shell = lines.ToList().FindIndex(l => l.Contains("echo $HOSTNAME", StringComparison.Ordinal));
        lines[shell + 1].Should().Be("two-containers");
        var api = await s.Connection.Client.CoreV1.ReadNamespacedServiceAsync("kubernetes", "default");
        lines[shell + 2].Should().Be($"https://{api.Spec.ClusterIP}:{api.Spec.Ports[0].Port}");

        // What the chapter says is what the cluster holds (the apply succeeded, so the redirect was followed).
        var pod = await s.Connection.Client.CoreV1.ReadNamespacedPodAsync("two-containers", "default");
        pod.Spec.Containers.Select(c => c.Name).Should().Equal("nginx-container", "debian-container");
        pod.Status.ContainerStatuses.Single(c => c.Name == "debian-container").State.Terminated.ExitCode.Should().Be(0);
        pod.Status.ContainerStatuses.Single(c => c.Name == "nginx-container").State.Running.Should().NotBeNull();
        s.Api.Requests.Should().Contain(r => r.PathAndQuery.Contains("/pods/two-containers/exec?command=curl", StringComparison.Ordinal));
    }
}
