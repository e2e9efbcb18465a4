using FluentAssertions;
using k8s;
using k8s.Models;
using Kube.Access.Testing;
using Xunit;

namespace Kube.Access.IntegrationTests.Emulator;

/// <summary>KubernetesClient (the official C# client) against the emulator: list, create, watch.</summary>
public sealed class KubernetesClientAgainstEmulatorTests
{
    private static Kubernetes Client(KubeApiEmulator api, EmulatorAuth auth = EmulatorAuth.Token)
    {
        var path = Path.Combine(Path.GetTempPath(), "kube-access-kc-" + Guid.NewGuid().ToString("N"));
        api.WriteKubeconfig(path, auth);
        try
        {
            return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Lists_creates_and_watches()
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Scenario = EmulatorScenario.Guide });
        using var client = Client(api);

        var pods = await client.CoreV1.ListPodForAllNamespacesAsync();
        pods.Items.Select(p => p.Metadata.Name).Should().Contain(n => n.StartsWith("hello-world-", StringComparison.Ordinal));
        pods.Items.Should().OnlyContain(p => p.Status.Phase == "Running");

        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "settings" },
            Data = new Dictionary<string, string> { ["mode"] = "test" },
        }, "default");
        created.Metadata.Uid.Should().NotBeNullOrEmpty();
        created.Metadata.ResourceVersion.Should().NotBeNullOrEmpty();
        (await client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default")).Data["mode"].Should().Be("test");

        var list = await client.CoreV1.ListNamespacedPodAsync("default");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var events = new List<(WatchEventType, string)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync("default", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                events.Add((type, pod.Metadata.Name));
                if (pod.Metadata.Name == "watched" && type == WatchEventType.Deleted)
                {
                    break;
                }
            }
        }, cts.Token);
        while (!api.Requests.Any(r => r.PathAndQuery.Contains("watch=true", StringComparison.Ordinal)))
        {
            await Task.Delay(50, cts.Token);
        }
        await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "watched" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx:1.25" }] },
        }, "default");
        await client.CoreV1.DeleteNamespacedPodAsync("watched", "default");
        await watching;
        events.Should().ContainInOrder((WatchEventType.Added, "watched"), (WatchEventType.Deleted, "watched"));
    }

    [Fact]
    public async Task Errors_are_kubernetes_status_objects()
    {
        await using var api = await KubeApiEmulator.StartAsync();
        using var client = Client(api);
        var notFound = async () => await client.CoreV1.ReadNamespacedPodAsync("nope", "default");
        (await notFound.Should().ThrowAsync<k8s.Autorest.HttpOperationException>()).Which.Response.StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);

        var conflict = async () => await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "default" } });
        var e = (await conflict.Should().ThrowAsync<k8s.Autorest.HttpOperationException>()).Which;
        e.Response.StatusCode.Should().Be(System.Net.HttpStatusCode.Conflict);
        e.Response.Content.Should().Contain("\"reason\":\"AlreadyExists\"").And.Contain("namespaces \\\"default\\\" already exists");
    }
}
