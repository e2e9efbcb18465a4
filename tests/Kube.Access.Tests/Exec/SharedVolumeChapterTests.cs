using FluentAssertions;
using k8s;
using Kube.Access.Cli.Tour;
using Kube.Access.Testing;
using Xunit;

namespace Kube.Access.Tests.Exec;

/// <summary>The tour's chapter 8 runs end to end against the emulator the tour uses (HTTPS, guide scenario).</summary>
public sealed class SharedVolumeChapterTests
{
    [Fact]
    public async Task The_chapter_applies_from_a_redirecting_url_shows_the_states_and_curls_the_shared_page()
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = true, Scenario = EmulatorScenario.Guide });
        var dir = Directory.CreateTempSubdirectory("kube-access-tour-");
        try
        {
            var kubeconfig = Path.Combine(dir.FullName, "config");
            api.WriteKubeconfig(kubeconfig);
            using var output = new StringWriter();
            await new SharedVolumeChapter().RunAsync(new TourContext(api, kubeconfig, output), CancellationToken.None);
            var lines = output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();

            lines.Should().Contain("pod/two-containers created");
            lines.Should().Contain(l => l.StartsWith("debian-container", StringComparison.Ordinal) && l.Contains(" terminated ", StringComparison.Ordinal) && l.Contains("exitCode: 0", StringComparison.Ordinal));
            lines.Should().Contain(l => l.StartsWith("nginx-container", StringComparison.Ordinal) && l.Contains(" running ", StringComparison.Ordinal));
            // The page the debian container wrote into the shared emptyDir, served by nginx.
            var curl = lines.FindIndex(l => l.EndsWith("# curl localhost", StringComparison.Ordinal));
            lines[curl + 1].Should().Be("debian 컨테이너에서 안녕하세요");
            lines[curl + 2].Should().Be("# exit code 0");
            // The shell step: the pod's name and the API server's service address from the kubelet's variables.
            var shell = lines.FindIndex(l => l.Contains("echo $HOSTNAME", StringComparison.Ordinal));
            lines[shell + 1].Should().Be("two-containers");
            lines[shell + 2].Should().Be("https://10.96.0.1:443");

            // What the chapter applied is what kubectl sees.
            await using var connection = TourConnection.Create(api);
            var pod = await connection.Client.CoreV1.ReadNamespacedPodAsync("two-containers", "default");
            pod.Spec.Containers.Select(c => c.Name).Should().Equal("nginx-container", "debian-container");
            api.Requests.Should().Contain(r => r.Method == "POST" && r.PathAndQuery.StartsWith("/api/v1/namespaces/default/pods", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
