using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using Kube.Access.Images.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kube.Access.Images.Tests.Inventory;

public sealed class ImageInventoryPagingTests
{
    private static readonly string[] Images = ["nginx:1.14.2", "busybox:1.36", "registry.k8s.io/coredns/coredns:v1.10.1", "python:3.12-slim", "mongo:7.0"];

    private static List<JsonObject> MakePods(int count)
    {
        var pods = new List<JsonObject>();
        for (int i = 0; i < count; i++)
        {
            string ns = "ns-" + (i % 7);
            var containers = new List<(string, string, string, string?)> { ("regular", "main", Images[i % Images.Length], $"sha256:{i:x8}") };
            if (i % 3 == 0)
            {
                containers.Add(("regular", "sidecar", Images[(i + 1) % Images.Length], null));
            }

            if (i % 5 == 0)
            {
                containers.Add(("init", "init", "busybox:1.28", "sha256:init"));
            }

            if (i % 11 == 0)
            {
                containers.Add(("ephemeral", "debugger", "busybox:debug", null));
            }

            pods.Add(PagedPodServer.Pod(ns, $"pod-{i:D5}", new Dictionary<string, string> { ["app"] = i % 2 == 0 ? "nginx" : "other" }, containers.ToArray()));
        }

        return pods;
    }

    private static Dictionary<string, long> ExpectedCounts(IEnumerable<JsonObject> pods, string specKey = "containers") =>
        pods.SelectMany(p => p["spec"]![specKey]?.AsArray() ?? [])
            .GroupBy(c => (string)c!["image"]!)
            .ToDictionary(g => g.Key, g => (long)g.Count());

    private static KubeConnection Connect(PagedPodServer server) => new(new KubeEndpoint { Server = server.Url, Namespace = "ns-3" });

    [Fact]
    public async Task Lists_every_page_with_limit_and_continue_and_reports_progress()
    {
        var pods = MakePods(1234);
        await using var server = new PagedPodServer(pods);
        await using var connection = Connect(server);
        var inventory = new ImageInventory(connection, Options.Create(new ImageInventoryOptions { PageSize = 100 }));
        var reports = new List<InventoryProgress>();
        var progress = new SynchronousProgress(reports);

        var rows = new List<ContainerImage>();
        await foreach (var row in inventory.ListAsync(ImageQuery.AllNamespaces, progress))
        {
            rows.Add(row);
        }

        rows.Should().HaveCount(pods.Sum(p => p["spec"]!["containers"]!.AsArray().Count));
        rows.Should().OnlyContain(r => r.Kind == ContainerKind.Regular);
        server.Requests.Should().HaveCount(13).And.OnlyContain(r => r.StartsWith("/api/v1/pods?limit=100", StringComparison.Ordinal));
        server.Requests.Skip(1).Should().OnlyContain(r => r.Contains("&continue=c-", StringComparison.Ordinal));
        reports.Should().HaveCount(13);
        reports[^1].Pods.Should().Be(1234);
        reports[^1].Pages.Should().Be(13);
        reports[0].RemainingItemCount.Should().Be(1134);
        rows.First(r => r.Pod == "pod-00000").ImageId.Should().Be("sha256:00000000");
        rows.First(r => r.Pod == "pod-00000" && r.Container == "sidecar").ImageId.Should().BeNull("the sidecar has no status");
    }

    [Fact]
    public async Task An_expired_continue_token_restarts_without_counting_a_pod_twice()
    {
        var pods = MakePods(1000);
        await using var server = new PagedPodServer(pods);
        server.ExpireOnceAtOffset[300] = true;
        server.ExpireOnceAtOffset[700] = true;
        await using var connection = Connect(server);
        var inventory = new ImageInventory(connection, Options.Create(new ImageInventoryOptions { PageSize = 100 }));
        var reports = new List<InventoryProgress>();

        var counts = await inventory.CountAsync(ImageQuery.AllNamespaces, new SynchronousProgress(reports));

        counts.ToDictionary(c => c.Image, c => c.Count).Should().BeEquivalentTo(ExpectedCounts(pods));
        counts.Select(c => c.Image).Should().BeInAscendingOrder(StringComparer.Ordinal);
        reports[^1].Restarts.Should().Be(2);
        reports[^1].Pods.Should().Be(1000);
        server.Requests.Count(r => !r.Contains("continue", StringComparison.Ordinal)).Should().Be(3, "the list started over twice");
    }

    [Fact]
    public async Task Gives_up_after_the_restart_limit_with_the_api_error()
    {
        var pods = MakePods(300);
        await using var server = new PagedPodServer(pods);
        await using var connection = Connect(server);
        var inventory = new ImageInventory(connection, Options.Create(new ImageInventoryOptions { PageSize = 100, MaxRestarts = 1 }));
        server.AlwaysExpireAtOffset = 100;
        var produced = new List<string>();
        var act = async () =>
        {
            await foreach (var pod in inventory.ByPodAsync(ImageQuery.AllNamespaces))
            {
                produced.Add(pod.Pod);
            }
        };
        (await act.Should().ThrowAsync<KubeApiException>()).Which.StatusCode.Should().Be(410);
        produced.Should().HaveCount(100).And.OnlyHaveUniqueItems("the restarted first page repeats nothing");
        server.Requests.Should().HaveCount(4, "first page, expired continue, restarted first page, expired continue");
    }

    [Fact]
    public async Task Namespace_label_and_field_selectors_go_to_the_server()
    {
        var pods = MakePods(70);
        await using var server = new PagedPodServer(pods);
        await using var connection = Connect(server);
        var inventory = new ImageInventory(connection);

        var counts = await inventory.CountAsync(new ImageQuery { Namespace = "ns-3", LabelSelector = "app=nginx", FieldSelector = "status.phase=Running" });

        server.Requests.Should().ContainSingle().Which.Should()
            .Be("/api/v1/namespaces/ns-3/pods?limit=500&labelSelector=app%3Dnginx&fieldSelector=status.phase%3DRunning");
        var expected = pods.Where(p => (string?)p["metadata"]!["namespace"] == "ns-3" && (string?)p["metadata"]!["labels"]!["app"] == "nginx");
        counts.ToDictionary(c => c.Image, c => c.Count).Should().BeEquivalentTo(ExpectedCounts(expected));
    }

    [Fact]
    public async Task Init_and_ephemeral_containers_are_included_on_request_in_spec_order()
    {
        var pods = MakePods(12);
        await using var server = new PagedPodServer(pods);
        await using var connection = Connect(server);
        var inventory = new ImageInventory(connection);

        var byPod = new List<PodImages>();
        await foreach (var pod in inventory.ByPodAsync(ImageQuery.AllNamespaces with { Kinds = ContainerKinds.All }))
        {
            byPod.Add(pod);
        }

        var first = byPod.Single(p => p.Pod == "pod-00000");
        first.Containers.Select(c => (c.Kind, c.Container, c.Image, c.ImageId)).Should().Equal(
            (ContainerKind.Init, "init", "busybox:1.28", "sha256:init"),
            (ContainerKind.Regular, "main", "nginx:1.14.2", "sha256:00000000"),
            (ContainerKind.Regular, "sidecar", "busybox:1.36", null),
            (ContainerKind.Ephemeral, "debugger", "busybox:debug", null));
        byPod.Single(p => p.Pod == "pod-00001").Containers.Should().ContainSingle();
    }

    [Fact]
    public async Task A_refused_list_raises_the_api_status()
    {
        await using var server = new PagedPodServer(MakePods(3)) { Refuse = (403, "Forbidden") };
        await using var connection = Connect(server);
        var inventory = new ImageInventory(connection);

        var e = (await FluentActions.Awaiting(() => inventory.CountAsync(ImageQuery.AllNamespaces)).Should().ThrowAsync<KubeApiException>()).Which;
        e.StatusCode.Should().Be(403);
        e.Reason.Should().Be("Forbidden");
        e.Should().BeAssignableTo<KubeAccessException>();
    }

    [Fact]
    public async Task Jsonpath_over_pages_matches_the_template_over_the_whole_list()
    {
        var pods = MakePods(250);
        await using var server = new PagedPodServer(pods);
        await using var connection = Connect(server);
        var inventory = new ImageInventory(connection, Options.Create(new ImageInventoryOptions { PageSize = 60 }));
        var whole = new JsonObject { ["kind"] = "PodList", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["items"] = new JsonArray(pods.Select(p => (JsonNode)p.DeepClone()).ToArray()) };
        using var wholeDoc = JsonDocument.Parse(whole.ToJsonString());

        foreach (var text in new[]
        {
            "{.items[*].spec.containers[*].image}",
            """{range .items[*]}{"\n"}{.metadata.name}{":\t"}{range .spec.containers[*]}{.image}{", "}{end}{end}""",
        })
        {
            var template = JsonPathTemplate.Parse(text);
            using var output = new MemoryStream();
            await inventory.WriteJsonPathAsync(ImageQuery.AllNamespaces, template, output);
            Encoding.UTF8.GetString(output.ToArray()).Should().Be(template.Evaluate(wholeDoc.RootElement), text);
        }
    }

    [Fact]
    public async Task Dependency_injection_registers_the_inventory_over_the_default_connection()
    {
        await using var server = new PagedPodServer(MakePods(10));
        var services = new ServiceCollection();
        services.AddKubeAccess(o => o.Endpoint = new KubeEndpoint { Server = server.Url }).AddImageInventory(o => o.PageSize = 4);
        await using var provider = services.BuildServiceProvider();

        var counts = await provider.GetRequiredService<IImageInventory>().CountAsync(ImageQuery.AllNamespaces);

        counts.Sum(c => c.Count).Should().Be(14);
        server.Requests.Should().HaveCount(3).And.OnlyContain(r => r.Contains("limit=4", StringComparison.Ordinal));
    }

    private sealed class SynchronousProgress(List<InventoryProgress> reports) : IProgress<InventoryProgress>
    {
        public void Report(InventoryProgress value) => reports.Add(value);
    }
}
