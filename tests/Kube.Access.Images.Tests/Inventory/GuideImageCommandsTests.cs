using System.Text;
using FluentAssertions;
using Kube.Access.Images.Tests.Infrastructure;
using Kube.Access.Testing;
using Kube.Access.TestSupport;

namespace Kube.Access.Images.Tests.Inventory;

/// <summary>
/// The guide's four image commands (chapter "List All Container Images Running in a Cluster"), run by
/// kubectl and its shell pipeline against the emulator, and by the inventory against the same emulator.
/// </summary>
public sealed class GuideImageCommandsTests : IAsyncLifetime
{
    private const string ImagesTemplate = "{.items[*].spec.containers[*].image}";
    private const string PerPodTemplate = """{range .items[*]}{"\n"}{.metadata.name}{":\t"}{range .spec.containers[*]}{.image}{", "}{end}{end}""";
    private EmulatorSession _session = null!;
    private KubeApiEmulator _api = null!;
    private KubeConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _session = await EmulatorSession.StartAsync(EmulatorScenario.Guide, configure: o =>
        {
            o.SyntheticPods = 1300;
            o.SyntheticNamespaces = 9;
        });
        (_api, _connection) = (_session.Api, _session.Connection);
        for (int i = 0; i < 3; i++)
        {
            _api.CreateObject($$$"""
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"nginx-{{{i}}}","namespace":"{{{(i == 2 ? "kube-system" : "default")}}}","labels":{"app":"nginx"}},
                 "spec":{"initContainers":[{"name":"init","image":"busybox:1.28"}],"containers":[{"name":"nginx","image":"nginx:1.14.2"},{"name":"log","image":"busybox:1.36"}]}}
                """);
        }

        // Controllers of the guide scenario create pods in the background: wait until the set is stable.
        int previous = -1;
        for (int attempt = 0; attempt < 120; attempt++)
        {
            int now = _api.ListNames("pods").Count;
            if (now == previous)
            {
                break;
            }

            previous = now;
            await Task.Delay(500);
        }
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
    }

    private async Task<string> KubectlAsync(params string[] args)
    {
        var result = await KubectlTool.RunAsync(args, _session.Kubeconfig, timeout: TimeSpan.FromMinutes(5));
        result.ExitCode.Should().Be(0, result.StdErr);
        return result.StdOut;
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }

    [Fact]
    public async Task All_namespaces_counted_like_tr_sort_uniq_c()
    {
        // kubectl get pods --all-namespaces -o jsonpath="{.items[*].spec.containers[*].image}" | tr -s '[[:space:]]' '\n' | sort | uniq -c
        var stdout = await KubectlAsync("get", "pods", "--all-namespaces", "-o", "jsonpath=" + ImagesTemplate);
        var expected = stdout.Split([' ', '\n', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries)
            .Order(StringComparer.Ordinal)
            .GroupBy(x => x)
            .Select(g => (g.Key, (long)g.Count()))
            .ToList();

        var counts = await new ImageInventory(_connection).CountAsync(ImageQuery.AllNamespaces);

        expected.Sum(e => e.Item2).Should().BeGreaterThan(1300);
        counts.Select(c => (c.Image, c.Count)).Should().Equal(expected);
    }

    [Fact]
    public async Task Per_pod_listing_like_the_range_template_piped_to_sort()
    {
        var stdout = await KubectlAsync("get", "pods", "--all-namespaces", "-o=jsonpath=" + PerPodTemplate);
        var expected = stdout.Split('\n').Order(StringComparer.Ordinal).ToList();

        var lines = new List<string> { string.Empty };
        await foreach (var pod in new ImageInventory(_connection).ByPodAsync(ImageQuery.AllNamespaces))
        {
            lines.Add(pod.Pod + ":\t" + string.Concat(pod.Containers.Select(c => c.Image + ", ")));
        }

        lines.Order(StringComparer.Ordinal).Should().Equal(expected);
    }

    [Fact]
    public async Task Filtered_by_label_app_nginx()
    {
        var stdout = await KubectlAsync("get", "pods", "--all-namespaces", "-o=jsonpath=" + ImagesTemplate, "-l", "app=nginx");
        var inventory = new ImageInventory(_connection);

        var rows = await ToListAsync(inventory.ListAsync(ImageQuery.AllNamespaces with { LabelSelector = "app=nginx" }));
        using var jsonpath = new MemoryStream();
        await inventory.WriteJsonPathAsync(ImageQuery.AllNamespaces with { LabelSelector = "app=nginx" }, JsonPathTemplate.Parse(ImagesTemplate), jsonpath);

        rows.Should().HaveCount(6);
        string.Join(" ", rows.Select(r => r.Image)).Should().Be(stdout);
        Encoding.UTF8.GetString(jsonpath.ToArray()).Should().Be(stdout);
    }

    [Fact]
    public async Task Filtered_by_namespace_kube_system()
    {
        var stdout = await KubectlAsync("get", "pods", "--namespace", "kube-system", "-o", "jsonpath=" + ImagesTemplate);
        var inventory = new ImageInventory(_connection);

        var rows = await ToListAsync(inventory.ListAsync(new ImageQuery { Namespace = "kube-system" }));
        using var jsonpath = new MemoryStream();
        await inventory.WriteJsonPathAsync(new ImageQuery { Namespace = "kube-system", PageSize = 2 }, JsonPathTemplate.Parse(ImagesTemplate), jsonpath);

        rows.Should().Contain(r => r.Image == "nginx:1.14.2");
        rows.Should().OnlyContain(r => r.Namespace == "kube-system");
        string.Join(" ", rows.Select(r => r.Image)).Should().Be(stdout);
        Encoding.UTF8.GetString(jsonpath.ToArray()).Should().Be(stdout, "pages of 2 pods join like one list");
    }

    [Fact]
    public async Task Image_ids_come_from_the_container_statuses()
    {
        var stdout = await KubectlAsync("get", "pods", "-A", "-o", """jsonpath={range .items[*]}{range .status.containerStatuses[*]}{.imageID}{"\n"}{end}{end}""");
        var rows = await ToListAsync(new ImageInventory(_connection).ListAsync(ImageQuery.AllNamespaces));

        rows.Where(r => r.ImageId is not null).Select(r => r.ImageId!).Order(StringComparer.Ordinal)
            .Should().Equal(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }
}
