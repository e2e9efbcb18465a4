using System.Text.Json.Nodes;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using k8s;
using k8s.Models;
using Kube.Access.Manifests;
using Kube.Access.Pods;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Tests.Pods;

public sealed class PodBuilderTests
{
    private const string DebianMessage = "echo debian 컨테이너에서 안녕하세요 > /pod-data/index.html";

    private static PodBuilder GuidePod() => new PodBuilder("two-containers")
        .WithRestartPolicy("Never")
        .WithEmptyDir("shared-data")
        .AddContainer("nginx-container", "nginx", mount: "/usr/share/nginx/html")
        .AddContainer("debian-container", "debian", mount: "/pod-data", command: ["/bin/sh"], args: ["-c", DebianMessage]);

    [Fact]
    public void The_guide_pod_equals_the_sample_manifest_structurally()
    {
        var pod = GuidePod().Build();
        var built = JsonNode.Parse(KubernetesJson.Serialize(pod))!;
        var path = Path.Combine(RepoPaths.ManifestsDir, "two-container-pod.yaml");
        var manifest = ManifestParser.Parse(File.ReadAllText(path), path).Single().Object;
        JsonNode.DeepEquals(built, manifest).Should().BeTrue($"built {built.ToJsonString()}\nmanifest {manifest.ToJsonString()}");
    }

    [Fact]
    public async Task The_emulator_accepts_and_runs_the_built_pod_debian_writes_the_page_nginx_serves()
    {
        await using var s = await EmulatorSession.StartAsync(EmulatorScenario.Guide);
        var created = await s.Connection.Client.CoreV1.CreateNamespacedPodAsync(GuidePod().Build(), "default");
        created.Spec.Containers.Select(c => c.Name).Should().Equal("nginx-container", "debian-container");

        // Wait (generously) until the debian container's command has run and it terminated.
        V1Pod pod = created;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (Status(pod, "debian-container")?.State?.Terminated is null)
        {
            await Task.Delay(100, deadline.Token);
            pod = await s.Connection.Client.CoreV1.ReadNamespacedPodAsync("two-containers", "default", cancellationToken: deadline.Token);
        }
        Status(pod, "debian-container")!.State.Terminated.ExitCode.Should().Be(0);
        Status(pod, "debian-container")!.State.Terminated.Reason.Should().Be("Completed");
        Status(pod, "nginx-container")!.State.Running.Should().NotBeNull();
        Status(pod, "nginx-container")!.State.Terminated.Should().BeNull();

        // The shared emptyDir: nginx serves the page debian wrote (through the apiserver's pod proxy).
        var page = await s.Kubectl("get", "--raw", "/api/v1/namespaces/default/pods/two-containers/proxy/");
        page.ExitCode.Should().Be(0, page.StdErr);
        page.StdOut.Trim().Should().Be("debian 컨테이너에서 안녕하세요");
    }

    [Fact]
    public void Every_broken_rule_is_reported_with_its_kind_and_field()
    {
        var builder = new PodBuilder("Two_Containers")
            .WithNamespace("Default")
            .WithRestartPolicy("Sometimes")
            .WithEmptyDir("shared-data")
            .WithEmptyDir("shared-data")
            .WithEmptyDir("Bad_Volume")
            .AddContainer("web", "nginx", mount: "/html")
            .AddContainer("web", "debian", mount: "/data", volume: "missing")
            .AddContainer("Upper", " ")
            .AddContainer("ports", "nginx", c => c.Mount("shared-data", "/a").Mount("shared-data", "/a").Port(80, "http").Port(80, "web").Port(70000).Env("1BAD", "x"));

        var problems = builder.Validate();
        problems.Select(p => (p.Kind, p.Field)).Should().BeEquivalentTo(new[]
        {
            (PodProblemKind.InvalidName, "metadata.name"),
            (PodProblemKind.InvalidName, "metadata.namespace"),
            (PodProblemKind.InvalidValue, "spec.restartPolicy"),
            (PodProblemKind.Duplicate, "spec.volumes[1].name"),
            (PodProblemKind.InvalidName, "spec.volumes[2].name"),
            (PodProblemKind.UnknownVolume, "spec.containers[0].volumeMounts[0].name"), // several volumes, none named
            (PodProblemKind.Duplicate, "spec.containers[1].name"),
            (PodProblemKind.UnknownVolume, "spec.containers[1].volumeMounts[0].name"),
            (PodProblemKind.InvalidName, "spec.containers[2].name"),
            (PodProblemKind.Missing, "spec.containers[2].image"),
            (PodProblemKind.Duplicate, "spec.containers[3].volumeMounts[1].mountPath"),
            (PodProblemKind.Duplicate, "spec.containers[3].ports[1]"),
            (PodProblemKind.InvalidValue, "spec.containers[3].ports[2].containerPort"),
            (PodProblemKind.InvalidName, "spec.containers[3].env[0].name"),
        });
        problems.Single(p => p.Field == "spec.containers[1].volumeMounts[0].name").Value.Should().Be("missing");

        var build = () => builder.Build();
        var thrown = build.Should().Throw<PodSpecException>().Which;
        thrown.Should().BeAssignableTo<KubeAccessException>();
        thrown.Pod.Should().Be("Two_Containers");
        thrown.Problems.Should().BeEquivalentTo(problems);
        thrown.Message.Should().Contain("spec.containers[1].name: Invalid value \"web\": duplicate container name");
    }

    [Fact]
    public void A_pod_without_containers_or_a_mount_without_volumes_is_refused()
    {
        new PodBuilder("empty").Validate().Should().ContainSingle(p => p.Kind == PodProblemKind.Missing && p.Field == "spec.containers");
        new PodBuilder("p").AddContainer("c", "nginx", mount: "/x").Validate()
            .Should().ContainSingle(p => p.Kind == PodProblemKind.UnknownVolume && p.Message.Contains("no volume"));
    }

    [Fact]
    public void Several_volumes_are_mounted_by_name_and_options_reach_the_pod()
    {
        var pod = new PodBuilder("multi")
            .WithNamespace("team-a")
            .WithLabel("app", "multi")
            .WithEmptyDir("cache", medium: "Memory")
            .WithEmptyDir("data")
            .AddContainer("writer", "busybox", c => c.Mount("data", "/data").Mount("cache", "/cache", readOnly: true).Port(8080, "http").Env("MODE", "write").Command("sh", "-c").Args("sleep 3600"))
            .AddContainer("reader", "busybox", mount: "/in", volume: "data", readOnly: true)
            .Build();

        pod.Metadata.NamespaceProperty.Should().Be("team-a");
        pod.Metadata.Labels.Should().Equal(new Dictionary<string, string> { ["app"] = "multi" });
        pod.Spec.Volumes.Select(v => v.Name + "=" + (v.EmptyDir.Medium ?? "<disk>")).Should().Equal("cache=Memory", "data=<disk>");
        var writer = pod.Spec.Containers[0];
        writer.VolumeMounts.Select(m => (m.Name, m.MountPath, m.ReadOnlyProperty)).Should().Equal(("data", "/data", (bool?)null), ("cache", "/cache", true));
        writer.Ports.Single().Should().BeEquivalentTo(new V1ContainerPort { ContainerPort = 8080, Name = "http", Protocol = "TCP" });
        writer.Command.Should().Equal("sh", "-c");
        writer.Args.Should().Equal("sleep 3600");
        pod.Spec.Containers[1].VolumeMounts.Single().Should().BeEquivalentTo(new V1VolumeMount { Name = "data", MountPath = "/in", ReadOnlyProperty = true });
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("web-1", true)]
    [InlineData("1web", true)]
    [InlineData("-web", false)]
    [InlineData("web-", false)]
    [InlineData("Web", false)]
    [InlineData("web.1", false)]
    [InlineData("", false)]
    [InlineData("abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstuvwxyz-012345678", true)]
    [InlineData("abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstuvwxyz-0123456789", false)]
    public void Container_and_volume_names_are_dns_1123_labels(string name, bool valid)
    {
        var problems = new PodBuilder("p").WithEmptyDir(name).AddContainer(name, "nginx", mount: "/m", volume: name).Validate();
        problems.Where(p => p.Kind == PodProblemKind.InvalidName).Select(p => p.Field)
            .Should().BeEquivalentTo(valid ? [] : new[] { "spec.volumes[0].name", "spec.containers[0].name" });
    }

    [Fact]
    public void Arbitrary_names_give_a_pod_or_a_PodSpecException_and_nothing_else()
    {
        var names = Gen.OneOf(ArbMap.Default.GeneratorFor<string>(), Gen.Elements("web", "a-1", "shared-data", "x.y", "Web", "-a", "")).ToArbitrary();
        Prop.ForAll(names, names, names, (podName, container, volume) =>
        {
            try
            {
                var pod = new PodBuilder(podName).WithEmptyDir(volume).AddContainer(container, "nginx", mount: "/m").Build();
                return pod.Spec.Volumes.Single().Name == volume && pod.Spec.Containers.Single().VolumeMounts.Single().Name == volume
                    && KubeNames.CheckDns1123Label(container) is null && KubeNames.CheckDns1123Subdomain(podName) is null;
            }
            catch (PodSpecException e)
            {
                return e.Problems.Count > 0;
            }
        }).QuickCheckThrowOnFailure();
    }

    private static V1ContainerStatus? Status(V1Pod pod, string container) =>
        pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == container);
}
