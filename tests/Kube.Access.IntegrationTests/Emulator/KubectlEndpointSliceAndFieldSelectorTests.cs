using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace Kube.Access.IntegrationTests.Emulator;

/// <summary>EndpointSlices beside Endpoints (kubectl describe service reads them) and per-kind field selectors.</summary>
public sealed class KubectlEndpointSliceAndFieldSelectorTests : IClassFixture<GuideEmulatorFixture>
{
    private readonly GuideEmulatorFixture _f;

    public KubectlEndpointSliceAndFieldSelectorTests(GuideEmulatorFixture f) => _f = f;

    [Fact]
    public async Task Get_endpointslices_lists_the_slice_the_controller_keeps_for_each_service()
    {
        var result = await _f.Session.Kubectl("get", "endpointslices", "-n", "default");
        result.ExitCode.Should().Be(0, result.Stderr);
        var (headers, rows) = KubectlTableTests.ParseTable(result.Stdout);
        headers.Should().Equal("NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE");
        var mongo = rows.Single(r => r["NAME"].StartsWith("mongo-", StringComparison.Ordinal));
        (mongo["ADDRESSTYPE"], mongo["PORTS"]).Should().Be(("IPv4", "27017"));
        mongo["ENDPOINTS"].Should().MatchRegex(@"^198\.51\.100\.[0-9]+$");

        var json = await _f.Session.Kubectl("get", "endpointslices", "-n", "default", "-l", "kubernetes.io/service-name=mongo", "-o", "json");
        json.ExitCode.Should().Be(0, json.Stderr);
        var slice = json.Json()["items"]!.AsArray().Single()!;
        ((string)slice["metadata"]!["ownerReferences"]![0]!["kind"]!).Should().Be("Service");
        ((string)slice["metadata"]!["labels"]!["endpointslice.kubernetes.io/managed-by"]!).Should().Be("endpointslice-controller.k8s.io");
        var pod = _f.Api.GetObject("pods", "default", (string)slice["endpoints"]![0]!["targetRef"]!["name"]!)!;
        ((string)slice["endpoints"]![0]!["addresses"]![0]!).Should().Be((string)pod["status"]!["podIP"]!);
        ((bool)slice["endpoints"]![0]!["conditions"]!["ready"]!).Should().BeTrue();
    }

    [Fact]
    public async Task Describe_service_shows_its_endpoints_and_events()
    {
        var result = await _f.Session.Kubectl("describe", "service", "mongo", "-n", "default");
        result.ExitCode.Should().Be(0, result.Stderr);
        result.Stderr.Should().BeEmpty();
        result.Stdout.Should().MatchRegex(@"(?m)^Endpoints:\s+198\.51\.100\.[0-9]+:27017\s*$");
        result.Stdout.Should().MatchRegex(@"(?m)^Events:\s+<none>\s*$");
    }

    [Fact]
    public async Task Field_selectors_filter_pods_by_phase_and_spec_fields()
    {
        var all = await _f.Session.Kubectl("get", "pods", "-A", "--no-headers");
        var running = await _f.Session.Kubectl("get", "pods", "-A", "--field-selector", "status.phase=Running");
        running.ExitCode.Should().Be(0, running.Stderr);
        var (_, rows) = KubectlTableTests.ParseTable(running.Stdout);
        rows.Should().HaveCount(all.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length).And.OnlyContain(r => r["STATUS"] == "Running");

        var notRunning = await _f.Session.Kubectl("get", "pods", "-A", "--field-selector", "status.phase!=Running", "-o", "json");
        notRunning.Json()["items"]!.AsArray().Should().BeEmpty();

        var combined = await _f.Session.Kubectl("get", "pods", "-A", "--field-selector", "spec.restartPolicy==Always,metadata.namespace=kube-system,spec.schedulerName=default-scheduler", "-o", "json");
        combined.ExitCode.Should().Be(0, combined.Stderr);
        combined.Json()["items"]!.AsArray().Should().NotBeEmpty().And.OnlyContain(p => (string)p!["metadata"]!["namespace"]! == "kube-system");

        var byIp = (string)_f.Api.GetObject("pods", "default", _f.Api.ListNames("pods", "default")[0])!["status"]!["podIP"]!;
        var one = await _f.Session.Kubectl("get", "pods", "-A", "--field-selector", "status.podIP=" + byIp, "-o", "json");
        one.Json()["items"]!.AsArray().Should().ContainSingle();
    }

    [Fact]
    public async Task Field_selectors_of_other_kinds_and_unsupported_fields_answer_as_the_apiserver()
    {
        var events = await _f.Session.Kubectl("get", "events", "-A", "--field-selector", "involvedObject.kind=Pod,type=Normal,reason!=Killing,source=kubelet");
        events.ExitCode.Should().Be(0, events.Stderr);

        var nodes = await _f.Session.Kubectl("get", "nodes", "--field-selector", "spec.unschedulable=false", "-o", "name");
        nodes.ExitCode.Should().Be(0, nodes.Stderr);
        nodes.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Contain(["node/worker1", "node/worker2"]);

        var namespaces = await _f.Session.Kubectl("get", "namespaces", "--field-selector", "status.phase=Active", "-o", "name");
        namespaces.Stdout.Should().Contain("namespace/kube-system");

        var rs = await _f.Session.Kubectl("get", "rs", "-A", "--field-selector", "status.replicas=2", "-o", "name");
        rs.ExitCode.Should().Be(0, rs.Stderr);
        rs.Stdout.Should().Contain("replicaset.apps/hello-world-");

        var unsupported = await _f.Session.Kubectl("get", "pods", "--field-selector", "spec.containers=x");
        unsupported.ExitCode.Should().NotBe(0);
        unsupported.Stderr.Should().Contain("Error from server (BadRequest)").And.Contain("field label not supported: spec.containers");

        var noConversion = await _f.Session.Kubectl("get", "deployments", "--field-selector", "spec.replicas=2");
        noConversion.ExitCode.Should().NotBe(0);
        noConversion.Stderr.Should().Contain("\"spec.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
        Regex.IsMatch(noConversion.Stderr, "BadRequest").Should().BeTrue();
    }
}
