using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentAssertions;
using Kube.Access.TestSupport;

namespace Kube.Access.Cli.Tests;

/// <summary>
/// <c>kube-access expose</c>, <c>services describe|access|wait-external-ip</c>, <c>dns</c>, <c>deploy</c> and
/// <c>apply -f</c> run as a process against the emulator, compared with kubectl where they claim its behaviour.
/// Each test uses its own object names or namespaces: the emulator is shared by the class.
/// </summary>
public sealed class AppsCliTests(CliEmulatorFixture emulator) : IClassFixture<CliEmulatorFixture>
{
    private static readonly string Manifests = RepoPaths.ManifestsDir;

    [Theory]
    [InlineData("deployment", "hello-world", new[] { "--type=NodePort" })]
    [InlineData("deployment", "backend", new[] { "--type=LoadBalancer", "--port=8080", "--target-port=http" })]
    [InlineData("service", "hello", new[] { "--port=81", "--protocol=TCP" })]
    public async Task Expose_creates_the_service_kubectl_expose_creates(string kind, string name, string[] flags)
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var kubectl = await KubectlTool.RunAsync(["expose", kind, name, "--name=k-" + suffix, .. flags], emulator.Kubeconfig);
        var ours = await KubeAccessCli.RunAsync(["expose", kind, name, "--name=o-" + suffix, .. flags], emulator.Kubeconfig);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        ours.Stdout.Trim().Should().Be(kubectl.Stdout.Trim().Replace("k-" + suffix, "o-" + suffix, StringComparison.Ordinal));

        var theirs = Comparable(await GetJson("service", "k-" + suffix));
        var mine = Comparable(await GetJson("service", "o-" + suffix));
        JsonCompare.Same(mine, theirs).Should().BeTrue($"ours {mine.ToJsonString()}\nkubectl {theirs.ToJsonString()}");
    }

    [Fact]
    public async Task Expose_of_a_missing_deployment_fails_like_kubectl()
    {
        var kubectl = await KubectlTool.RunAsync(["expose", "deployment", "no-such-app", "--port=80"], emulator.Kubeconfig);
        var ours = await KubeAccessCli.RunAsync(["expose", "deployment", "no-such-app", "--port=80"], emulator.Kubeconfig);

        kubectl.ExitCode.Should().NotBe(0);
        ours.ExitCode.Should().Be(kubectl.ExitCode, ours.ToString());
        ours.Stdout.Should().BeEmpty();
        ours.Stderr.Should().Contain("no-such-app").And.Contain("not found");
    }

    [Fact]
    public async Task Services_describe_shows_the_facts_kubectl_describe_shows()
    {
        var kubectl = await KubectlTool.RunAsync(["describe", "service", "hello"], emulator.Kubeconfig);
        var ours = await KubeAccessCli.RunAsync(["services", "describe", "hello"], emulator.Kubeconfig);
        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());

        var theirs = Fields(kubectl.Stdout);
        var mine = Fields(ours.Stdout);
        foreach (var key in new[] { "Name", "Namespace", "Labels", "Selector", "Type", "IP Family Policy", "IP", "IPs", "Port", "TargetPort", "Session Affinity" })
        {
            mine.Should().ContainKey(key);
            mine[key].Should().Be(theirs[key], $"field {key}\nours:\n{ours.Stdout}\nkubectl:\n{kubectl.Stdout}");
        }
        // kubectl 1.32 takes endpoints from EndpointSlices, which the emulator does not serve (it prints <none>):
        // compare ours with the Endpoints object instead.
        var endpoints = await GetJson("endpoints", "hello");
        var expected = endpoints["subsets"]!.AsArray().SelectMany(subset => subset!["addresses"]!.AsArray()
            .SelectMany(a => subset["ports"]!.AsArray().Select(p => $"{a!["ip"]}:{p!["port"]}")));
        Set(mine["Endpoints"]).Should().BeEquivalentTo(expected).And.NotBeEmpty();
    }

    [Fact]
    public async Task Services_access_lists_every_node_port_and_the_dns_name()
    {
        var exposed = await KubectlTool.RunAsync(["expose", "deployment", "hello-world", "--type=NodePort", "--name=access-np"], emulator.Kubeconfig);
        exposed.ExitCode.Should().Be(0, exposed.ToString());
        var service = await GetJson("service", "access-np");
        var nodePort = service["spec"]!["ports"]![0]!["nodePort"]!.GetValue<int>();
        var clusterIp = service["spec"]!["clusterIP"]!.GetValue<string>();

        var ours = await KubeAccessCli.RunAsync(["services", "access", "access-np"], emulator.Kubeconfig);

        ours.ExitCode.Should().Be(0, ours.ToString());
        ours.Stdout.Should().Contain("access-np.default.svc.cluster.local").And.Contain(clusterIp);
        var nodes = JsonNode.Parse((await KubectlTool.RunAsync(["get", "nodes", "-o", "json"], emulator.Kubeconfig)).Stdout)!["items"]!.AsArray();
        foreach (var node in nodes)
        {
            var external = node!["status"]!["addresses"]!.AsArray().FirstOrDefault(a => a!["type"]!.GetValue<string>() == "ExternalIP")?["address"]?.GetValue<string>();
            if (external is not null)
            {
                ours.Stdout.Should().Contain($"{external}:{nodePort}");
            }
        }
        ours.Stdout.Should().Contain("kubectl port-forward -n default service/access-np");
    }

    [Fact]
    public async Task Services_wait_external_ip_prints_pending_then_the_address_once_it_is_assigned()
    {
        // An emulator whose load balancer never assigns an address by itself: the test assigns it (as a cloud
        // controller would) only after the CLI has shown <pending>, so the order is deterministic.
        await using var session = await EmulatorSession.StartAsync(Kube.Access.Testing.EmulatorScenario.Guide, loadBalancerDelay: TimeSpan.FromDays(1));
        var kubeconfig = session.Kubeconfig;
        var svc = """{"apiVersion":"v1","kind":"Service","metadata":{"name":"wait-lb"},"spec":{"type":"LoadBalancer","selector":{"app":"hello"},"ports":[{"port":80}]}}""";
        var created = await KubectlTool.RunAsync(["create", "-f", "-"], kubeconfig, stdin: svc);
        created.ExitCode.Should().Be(0, created.ToString());
        var clusterIp = (await KubectlTool.RunAsync(["get", "service", "wait-lb", "-o", "jsonpath={.spec.clusterIP}"], kubeconfig)).Stdout.Trim();

        await using var ours = KubeAccessCli.Start(["services", "wait-external-ip", "wait-lb", "--timeout", "300"], kubeconfig);
        await ours.WaitForLineAsync(l => l == $"wait-lb\tLoadBalancer\t{clusterIp}\t<pending>", TimeSpan.FromMinutes(2));

        var status = """{"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.77"}]}}}""";
        var patched = await KubectlTool.RunAsync(["patch", "service", "wait-lb", "--subresource=status", "--type=merge", "-p", status], kubeconfig);
        patched.ExitCode.Should().Be(0, patched.ToString());

        await ours.WaitForLineAsync(l => l.Contains("EXTERNAL-IP", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await ours.Process.WaitForExitAsync(deadline.Token);
        ours.Process.ExitCode.Should().Be(0, ours.Describe());
        var lines = ours.StdoutLines.Where(l => l.Length > 0).ToList();
        lines.Should().Equal([$"wait-lb\tLoadBalancer\t{clusterIp}\t<pending>", $"wait-lb\tLoadBalancer\t{clusterIp}\t203.0.113.77", "wait-lb\tEXTERNAL-IP 203.0.113.77"], ours.Describe());
    }

    [Fact]
    public async Task Services_wait_external_ip_on_a_ClusterIP_service_fails_naming_it()
    {
        var ours = await KubeAccessCli.RunAsync(["services", "wait-external-ip", "hello", "--timeout", "30"], emulator.Kubeconfig);

        ours.ExitCode.Should().NotBe(0);
        ours.Stderr.Should().Contain("default/hello").And.Contain("ClusterIP");
    }

    [Fact]
    public async Task Dns_checks_coredns_and_lists_a_services_records()
    {
        var check = await KubeAccessCli.RunAsync(["dns"], emulator.Kubeconfig);
        check.ExitCode.Should().Be(0, check.ToString());
        var kubeDnsIp = (await KubectlTool.RunAsync(["get", "service", "kube-dns", "-n", "kube-system", "-o", "jsonpath={.spec.clusterIP}"], emulator.Kubeconfig)).Stdout.Trim();
        check.Stdout.Should().Contain($"kube-dns service: {kubeDnsIp}").And.Contain("cluster domain:   cluster.local").And.Contain("coredns");

        var records = await KubeAccessCli.RunAsync(["dns", "kube-dns", "-n", "kube-system"], emulator.Kubeconfig);
        records.ExitCode.Should().Be(0, records.ToString());
        Lines(records.Stdout).Should().Contain($"kube-dns.kube-system.svc.cluster.local A {kubeDnsIp}")
            .And.Contain("_dns._udp.kube-dns.kube-system.svc.cluster.local SRV 0 100 53 kube-dns.kube-system.svc.cluster.local")
            .And.Contain("_dns-tcp._tcp.kube-dns.kube-system.svc.cluster.local SRV 0 100 53 kube-dns.kube-system.svc.cluster.local");

        var missing = await KubeAccessCli.RunAsync(["dns", "no-such-service"], emulator.Kubeconfig);
        missing.ExitCode.Should().NotBe(0);
        missing.Stderr.Should().Contain("no-such-service");
    }

    [Fact]
    public async Task Deploy_creates_what_the_wizard_describes_and_refuses_a_bad_form_creating_nothing()
    {
        var ok = await KubeAccessCli.RunAsync(["deploy", "cli-wizard", "--image", "nginx:1.27", "--replicas", "3", "--service", "internal", "--port", "8080:80", "--label", "tier=web", "--env", "A=1"], emulator.Kubeconfig);
        ok.ExitCode.Should().Be(0, ok.ToString());
        Lines(ok.Stdout).Should().Equal("deployment.apps/cli-wizard created", "service/cli-wizard created (cli-wizard.default.svc)");
        var deployment = await GetJson("deployment", "cli-wizard");
        deployment["spec"]!["replicas"]!.GetValue<int>().Should().Be(3);
        deployment["metadata"]!["labels"]!["tier"]!.GetValue<string>().Should().Be("web");
        var service = await GetJson("service", "cli-wizard");
        service["spec"]!["ports"]![0]!["port"]!.GetValue<int>().Should().Be(8080);
        service["spec"]!["ports"]![0]!["targetPort"]!.GetValue<int>().Should().Be(80);
        service["spec"]!["type"]!.GetValue<string>().Should().Be("ClusterIP");

        // The name is already taken now, and the replicas are wrong: both reported, nothing changes.
        var bad = await KubeAccessCli.RunAsync(["deploy", "cli-wizard", "--image", "nginx:1.28", "--replicas", "0"], emulator.Kubeconfig);
        bad.ExitCode.Should().Be(1, bad.ToString());
        bad.Stdout.Should().BeEmpty();
        bad.Stderr.Should().Contain("error: replicas").And.Contain("error: name");
        (await GetJson("deployment", "cli-wizard"))["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>().Should().Be("nginx:1.27");
    }

    [Fact]
    public async Task Deploy_dry_run_prints_yaml_the_api_server_accepts()
    {
        var dry = await KubeAccessCli.RunAsync(["deploy", "cli-dry", "--image", "nginx:1.27", "--service", "external", "--port", "80:80", "--namespace", "cli-dry-ns", "--create-namespace", "--dry-run"], emulator.Kubeconfig);
        dry.ExitCode.Should().Be(0, dry.ToString());

        (await KubectlTool.RunAsync(["get", "deployment", "cli-dry", "-n", "cli-dry-ns"], emulator.Kubeconfig)).ExitCode.Should().NotBe(0, "a dry run creates nothing");

        // The printed YAML is what the API server accepts: kubectl applies it as is.
        var applied = await KubectlTool.RunAsync(["apply", "-f", "-"], emulator.Kubeconfig, stdin: dry.Stdout);
        applied.ExitCode.Should().Be(0, applied.ToString() + "\n" + dry.Stdout);
        Lines(applied.Stdout).Should().Equal("namespace/cli-dry-ns created", "deployment.apps/cli-dry created", "service/cli-dry created");
        var service = await GetJson("service", "cli-dry", "cli-dry-ns");
        service["spec"]!["type"]!.GetValue<string>().Should().Be("LoadBalancer");
    }

    public static TheoryData<string> ApplySources => new() { "file", "directory", "stdin", "url" };

    [Theory]
    [MemberData(nameof(ApplySources))]
    public async Task Apply_prints_kubectls_lines_and_creates_the_same_objects(string source)
    {
        var theirsNs = $"k-apply-{source}";
        var oursNs = $"o-apply-{source}";
        foreach (var ns in new[] { theirsNs, oursNs })
        {
            // `kubectl create namespace` sends protobuf, which the emulator does not take: create it from JSON.
            var created = await KubectlTool.RunAsync(["create", "-f", "-"], emulator.Kubeconfig, stdin: $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""");
            created.ExitCode.Should().Be(0, created.ToString());
        }

        var file = Path.Combine(Manifests, "hello-application.yaml");
        var text = await File.ReadAllTextAsync(file);
        await using var server = source == "url" ? await ManifestServer.StartAsync(text) : null;
        var (argument, stdin) = source switch
        {
            "file" => (file, (string?)null),
            "directory" => (Manifests, null),
            "stdin" => ("-", text),
            _ => (server!.Url + "hello-application.yaml", null),
        };

        var kubectl = await KubectlTool.RunAsync(["apply", "-n", theirsNs, "-f", argument], emulator.Kubeconfig, stdin: stdin);
        var ours = await KubeAccessCli.RunAsync(["apply", "-n", oursNs, "-f", argument], emulator.Kubeconfig, stdin: stdin);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        Lines(ours.Stdout).Should().Equal(Lines(kubectl.Stdout));

        var theirObjects = await ListJson(theirsNs);
        var ourObjects = await ListJson(oursNs);
        ourObjects.Keys.Should().BeEquivalentTo(theirObjects.Keys);
        ourObjects.Keys.Should().Contain("Deployment/hello-world");
        foreach (var key in theirObjects.Keys)
        {
            var mine = Comparable(ourObjects[key]);
            var theirs = Comparable(theirObjects[key]);
            JsonCompare.Same(mine, theirs).Should().BeTrue($"{key}\nours    {mine.ToJsonString()}\nkubectl {theirs.ToJsonString()}");
        }

        // Applying again: unchanged, for both.
        var again = await KubeAccessCli.RunAsync(["apply", "-n", oursNs, "-f", argument], emulator.Kubeconfig, stdin: stdin);
        again.ExitCode.Should().Be(0, again.ToString());
        Lines(again.Stdout).Should().OnlyContain(l => l.EndsWith(" unchanged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_of_a_missing_file_or_a_failing_url_fails_like_kubectl_and_names_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-manifest-" + Guid.NewGuid().ToString("N") + ".yaml");
        var kubectl = await KubectlTool.RunAsync(["apply", "-f", missing], emulator.Kubeconfig);
        var ours = await KubeAccessCli.RunAsync(["apply", "-f", missing], emulator.Kubeconfig);
        kubectl.ExitCode.Should().NotBe(0);
        ours.ExitCode.Should().Be(kubectl.ExitCode, ours.ToString());
        ours.Stderr.Should().Contain(missing);

        await using var server = await ManifestServer.StartAsync(null);
        var url = server.Url + "gone.yaml";
        var kubectlUrl = await KubectlTool.RunAsync(["apply", "-f", url], emulator.Kubeconfig);
        var oursUrl = await KubeAccessCli.RunAsync(["apply", "-f", url], emulator.Kubeconfig);
        kubectlUrl.ExitCode.Should().NotBe(0);
        oursUrl.ExitCode.Should().Be(kubectlUrl.ExitCode, oursUrl.ToString());
        oursUrl.Stderr.Should().Contain(url).And.Contain("404");
    }

    [Theory]
    [InlineData("deploy wizard", "Deploy and access the Kubernetes Dashboard", "Dashboard: http://localhost:")]
    [InlineData("frontend to a backend", "Connect a frontend to a backend", "External IP of the frontend: 203.0.113.")]
    [InlineData("DNS for services", "DNS for services and pods", "_dns._udp.kube-dns.kube-system.svc.cluster.local SRV 0 100 53")]
    public async Task Tour_runs_the_chapter_on_its_own_emulator(string filter, string heading, string line)
    {
        var tour = await KubeAccessCli.RunAsync(["tour", "--chapter", filter]);

        tour.ExitCode.Should().Be(0, tour.ToString());
        var lines = Lines(tour.Stdout);
        lines.Should().Contain(l => l.StartsWith("== Chapter 1/1: " + heading, StringComparison.Ordinal), tour.Stdout);
        lines.Should().Contain(l => l.Contains(line, StringComparison.Ordinal));
        lines[^1].Should().Be("Tour complete: 1 chapter(s).");
    }

    private async Task<JsonObject> GetJson(string resource, string name, string ns = "default")
    {
        var r = await KubectlTool.RunAsync(["get", resource, name, "-n", ns, "-o", "json"], emulator.Kubeconfig);
        r.ExitCode.Should().Be(0, r.ToString());
        return JsonNode.Parse(r.Stdout)!.AsObject();
    }

    private async Task<Dictionary<string, JsonObject>> ListJson(string ns)
    {
        var r = await KubectlTool.RunAsync(["get", "deployments,services,pods", "-n", ns, "-o", "json"], emulator.Kubeconfig);
        r.ExitCode.Should().Be(0, r.ToString());
        return JsonCompare.ParseObjects(r.Stdout)
            .Where(o => o["kind"]!.GetValue<string>() != "Pod") // pod names carry random suffixes
            .ToDictionary(o => $"{o["kind"]}/{o["metadata"]!["name"]}");
    }

    /// <summary>An object without what differs by design: identity, time, allocations, names and namespace of the copy.</summary>
    private static JsonObject Comparable(JsonObject obj)
    {
        var o = (JsonObject)obj.DeepClone();
        o.Remove("status");
        if (o["metadata"] is JsonObject m)
        {
            foreach (var k in new[] { "uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "name", "namespace" })
            {
                m.Remove(k);
            }
            if (m["annotations"] is JsonObject a)
            {
                a.Remove("deployment.kubernetes.io/revision");
                if (a["kubectl.kubernetes.io/last-applied-configuration"] is JsonValue lastApplied
                    && JsonNode.Parse(lastApplied.GetValue<string>()) is JsonObject applied
                    && applied["metadata"] is JsonObject appliedMeta)
                {
                    appliedMeta.Remove("namespace");
                    a["kubectl.kubernetes.io/last-applied-configuration"] = applied.ToJsonString();
                }
                if (a.Count == 0)
                {
                    m.Remove("annotations");
                }
            }
        }
        if (o["spec"] is JsonObject s)
        {
            s.Remove("clusterIP");
            s.Remove("clusterIPs");
            if (s["ports"] is JsonArray ports)
            {
                foreach (var p in ports.OfType<JsonObject>())
                {
                    p.Remove("nodePort");
                }
            }
        }
        return o;
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n").Trim('\n').Split('\n');

    private static Dictionary<string, string> Fields(string describe)
    {
        var fields = new Dictionary<string, string>();
        foreach (var line in Lines(describe))
        {
            var m = Regex.Match(line, @"^([A-Za-z][A-Za-z ]*?):\s+(.*)$");
            if (m.Success)
            {
                fields.TryAdd(m.Groups[1].Value, Regex.Replace(m.Groups[2].Value.Trim(), @"\s+", " "));
            }
        }
        return fields;
    }

    private static string[] Set(string endpoints) => endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
