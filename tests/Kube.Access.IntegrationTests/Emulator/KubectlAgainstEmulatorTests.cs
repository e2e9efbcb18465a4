using System.Text.Json.Nodes;
using FluentAssertions;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.IntegrationTests.Emulator;

/// <summary>One plain-HTTP guide-scenario emulator session shared by the read-only kubectl tests.</summary>
public sealed class GuideEmulatorFixture() : EmulatorFixture(() => EmulatorSession.StartAsync(EmulatorScenario.Guide));

public sealed class KubectlAgainstEmulatorTests : IClassFixture<GuideEmulatorFixture>
{
    private readonly GuideEmulatorFixture _f;

    public KubectlAgainstEmulatorTests(GuideEmulatorFixture f) => _f = f;

    private static List<string> Names(JsonNode list) => list["items"]!.AsArray().Select(i => i!["metadata"]!["namespace"] + "/" + i["metadata"]!["name"]).ToList();

    private List<string> EmulatorNames(string resource)
    {
        var names = new List<string>();
        foreach (var key in _f.Api.ListNames("namespaces"))
        {
            names.AddRange(_f.Api.ListNames(resource, key).Select(n => key + "/" + n));
        }
        return names;
    }

    [Fact]
    public async Task Get_pods_all_namespaces_lists_every_pod()
    {
        var json = await _f.Session.Kubectl("get", "pods", "-A", "-o", "json");
        json.ExitCode.Should().Be(0, json.Stderr);
        Names(json.Json()).Should().BeEquivalentTo(EmulatorNames("pods")).And.HaveCountGreaterThan(5);

        var table = await _f.Session.Kubectl("get", "pods", "-A");
        table.ExitCode.Should().Be(0, table.Stderr);
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("NAMESPACE");
        var printed = lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(c => c[0] + "/" + c[1]);
        printed.Should().BeEquivalentTo(EmulatorNames("pods"));
    }

    [Fact]
    public async Task Guide_image_jsonpath_prints_every_container_image()
    {
        var result = await _f.Session.Kubectl("get", "pods", "--all-namespaces", "-o", "jsonpath={.items[*].spec.containers[*].image}");
        result.ExitCode.Should().Be(0, result.Stderr);
        var expected = new List<string>();
        foreach (var name in EmulatorNames("pods"))
        {
            var parts = name.Split('/');
            var pod = _f.Api.GetObject("pods", parts[0], parts[1])!;
            expected.AddRange(pod["spec"]!["containers"]!.AsArray().Select(c => (string)c!["image"]!));
        }
        result.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Should().BeEquivalentTo(expected);
        expected.Should().Contain("gcr.io/google-samples/node-hello:1.0").And.Contain("registry.k8s.io/coredns/coredns:v1.11.3");
    }

    [Fact]
    public async Task Get_services_all_namespaces_shows_cluster_services()
    {
        var result = await _f.Session.Kubectl("get", "svc", "-A", "-o", "json");
        result.ExitCode.Should().Be(0, result.Stderr);
        var list = result.Json();
        Names(list).Should().BeEquivalentTo(EmulatorNames("services"));
        var dns = list["items"]!.AsArray().Single(i => (string)i!["metadata"]!["name"]! == "kube-dns")!;
        ((string)dns["spec"]!["clusterIP"]!).Should().Be("10.96.0.10");
        ((string)dns["metadata"]!["labels"]!["kubernetes.io/cluster-service"]!).Should().Be("true");
        var dashboard = list["items"]!.AsArray().Single(i => (string)i!["metadata"]!["name"]! == "kubernetes-dashboard")!;
        ((int)dashboard["spec"]!["ports"]![0]!["port"]!).Should().Be(443);
        ((int)dashboard["spec"]!["ports"]![0]!["targetPort"]!).Should().Be(8443);
    }

    [Fact]
    public async Task Get_raw_api_returns_api_versions_with_server_address()
    {
        var result = await _f.Session.Kubectl("get", "--raw", "/api");
        result.ExitCode.Should().Be(0, result.Stderr);
        var doc = result.Json();
        ((string)doc["kind"]!).Should().Be("APIVersions");
        doc["versions"]!.AsArray().Select(v => (string)v!).Should().Equal("v1");
        ((string)doc["serverAddressByClientCIDRs"]![0]!["serverAddress"]!).Should().Be(_f.Api.Url.Authority);
    }

    [Fact]
    public async Task Cluster_info_lists_control_plane_and_cluster_services()
    {
        var result = await _f.Session.Kubectl("cluster-info");
        result.ExitCode.Should().Be(0, result.Stderr);
        var url = _f.Api.Url.ToString().TrimEnd('/');
        var text = StripAnsi(result.Stdout);
        text.Should().Contain($"Kubernetes control plane is running at {url}");
        text.Should().Contain($"CoreDNS is running at {url}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy");
    }

    [Fact]
    public async Task Get_missing_pod_reports_not_found_status()
    {
        var result = await _f.Session.Kubectl("get", "pod", "does-not-exist", "-n", "default");
        result.ExitCode.Should().NotBe(0);
        result.Stderr.Should().Contain("Error from server (NotFound): pods \"does-not-exist\" not found");
    }

    [Fact]
    public async Task Label_and_field_selectors_filter_like_the_apiserver()
    {
        var labelled = await _f.Session.Kubectl("get", "pods", "-A", "-l", "run in (load-balancer-example),!missing", "-o", "json");
        labelled.ExitCode.Should().Be(0, labelled.Stderr);
        Names(labelled.Json()).Should().HaveCount(2).And.OnlyContain(n => n.StartsWith("default/hello-world-", StringComparison.Ordinal));

        var onNode = await _f.Session.Kubectl("get", "pods", "-A", "--field-selector", "spec.nodeName=worker1", "-o", "json");
        onNode.ExitCode.Should().Be(0, onNode.Stderr);
        onNode.Json()["items"]!.AsArray().Should().NotBeEmpty().And.OnlyContain(p => (string)p!["spec"]!["nodeName"]! == "worker1");

        var paged = await _f.Session.Kubectl("get", "pods", "-A", "--chunk-size", "2", "-o", "json");
        Names(paged.Json()).Should().Equal(Names((await _f.Session.Kubectl("get", "pods", "-A", "-o", "json")).Json()));
        _f.Api.Requests.Should().Contain(r => r.PathAndQuery.Contains("continue=", StringComparison.Ordinal));
    }

    private static string StripAnsi(string s) => System.Text.RegularExpressions.Regex.Replace(s, "\u001b\\[[0-9;]*m", "");
}
