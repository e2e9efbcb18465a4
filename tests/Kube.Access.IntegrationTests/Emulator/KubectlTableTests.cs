using Kube.Access.TestSupport;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentAssertions;
using Kube.Access.Testing;
using Xunit;

namespace Kube.Access.IntegrationTests.Emulator;

/// <summary>kubectl's table output against the emulator's server-side Tables (kubectl prints what the server's printers compute).</summary>
public sealed class KubectlTableTests : IClassFixture<GuideEmulatorFixture>
{
    private static readonly Regex Age = new("^([0-9]+[smhdy])+$");
    private readonly GuideEmulatorFixture _f;

    public KubectlTableTests(GuideEmulatorFixture f) => _f = f;

    /// <summary>Parses kubectl's column output by the start of each header (cells may contain single spaces).</summary>
    internal static (List<string> Headers, List<Dictionary<string, string>> Rows) ParseTable(string stdout)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        var header = lines[0];
        var starts = new List<int>();
        var headers = new List<string>();
        foreach (Match m in Regex.Matches(header, @"\S+( \S+)*"))
        {
            starts.Add(m.Index);
            headers.Add(m.Value);
        }
        var rows = new List<Dictionary<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var row = new Dictionary<string, string>();
            for (var i = 0; i < headers.Count; i++)
            {
                var start = Math.Min(starts[i], line.Length);
                var end = i + 1 < starts.Count ? Math.Min(starts[i + 1], line.Length) : line.Length;
                row[headers[i]] = line[start..end].Trim();
            }
            rows.Add(row);
        }
        return (headers, rows);
    }

    private async Task<(List<string> Headers, List<Dictionary<string, string>> Rows)> GetTableAsync(params string[] args)
    {
        var result = await _f.Session.Kubectl(args);
        result.ExitCode.Should().Be(0, result.Stderr);
        return ParseTable(result.Stdout);
    }

    [Fact]
    public async Task Get_pods_prints_ready_status_restarts_and_age_and_the_wide_columns()
    {
        var (headers, rows) = await GetTableAsync("get", "pods", "-n", "default", "-l", "run=load-balancer-example");
        headers.Should().Equal("NAME", "READY", "STATUS", "RESTARTS", "AGE");
        rows.Should().HaveCount(2);
        rows.Should().OnlyContain(r => r["READY"] == "1/1" && r["STATUS"] == "Running" && r["RESTARTS"] == "0" && Age.IsMatch(r["AGE"]));
        rows.Select(r => r["NAME"]).Should().OnlyContain(n => n.StartsWith("hello-world-", StringComparison.Ordinal));

        var (wideHeaders, wideRows) = await GetTableAsync("get", "pods", "-n", "default", "-l", "run=load-balancer-example", "-o", "wide");
        wideHeaders.Should().Equal("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES");
        foreach (var row in wideRows)
        {
            var pod = _f.Api.GetObject("pods", "default", row["NAME"])!;
            row["IP"].Should().Be((string)pod["status"]!["podIP"]!).And.StartWith("198.51.100.");
            row["NODE"].Should().Be((string)pod["spec"]!["nodeName"]!);
            row["NOMINATED NODE"].Should().Be("<none>");
            row["READINESS GATES"].Should().Be("<none>");
        }

        var (labelHeaders, labelRows) = await GetTableAsync("get", "pods", "-n", "default", "-l", "run=load-balancer-example", "--show-labels");
        labelHeaders.Should().Equal("NAME", "READY", "STATUS", "RESTARTS", "AGE", "LABELS");
        labelRows.Should().OnlyContain(r => r["LABELS"].Contains("run=load-balancer-example", StringComparison.Ordinal) && r["LABELS"].Contains("pod-template-hash=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_pods_all_namespaces_adds_the_namespace_column_from_the_row_metadata()
    {
        var (headers, rows) = await GetTableAsync("get", "pods", "-A");
        headers.Should().Equal("NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE");
        rows.Should().Contain(r => r["NAMESPACE"] == "kube-system" && r["NAME"].StartsWith("coredns-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_deployments_and_replicasets_print_replica_counts_and_the_wide_columns()
    {
        var (headers, rows) = await GetTableAsync("get", "deployments", "-n", "default");
        headers.Should().Equal("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE");
        var hello = rows.Single(r => r["NAME"] == "hello-world");
        hello["READY"].Should().Be("2/2");
        hello["UP-TO-DATE"].Should().Be("2");
        hello["AVAILABLE"].Should().Be("2");
        Age.IsMatch(hello["AGE"]).Should().BeTrue(hello["AGE"]);

        var (wideHeaders, wideRows) = await GetTableAsync("get", "deployment", "hello-world", "-n", "default", "-o", "wide");
        wideHeaders.Should().Equal("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR");
        wideRows.Single()["CONTAINERS"].Should().Be("hello-world");
        wideRows.Single()["IMAGES"].Should().Be("gcr.io/google-samples/node-hello:1.0");
        wideRows.Single()["SELECTOR"].Should().Be("run=load-balancer-example");

        var (rsHeaders, rsRows) = await GetTableAsync("get", "rs", "-n", "default", "-o", "wide");
        rsHeaders.Should().Equal("NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES", "SELECTOR");
        var rs = rsRows.Single(r => r["NAME"].StartsWith("hello-world-", StringComparison.Ordinal));
        (rs["DESIRED"], rs["CURRENT"], rs["READY"]).Should().Be(("2", "2", "2"));
        rs["SELECTOR"].Should().MatchRegex("^pod-template-hash=[a-z0-9]+,run=load-balancer-example$");
    }

    [Fact]
    public async Task Get_services_prints_type_addresses_ports_and_selector()
    {
        var (headers, rows) = await GetTableAsync("get", "svc", "-A", "-o", "wide");
        headers.Should().Equal("NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR");
        var dns = rows.Single(r => r["NAME"] == "kube-dns");
        (dns["TYPE"], dns["CLUSTER-IP"], dns["EXTERNAL-IP"], dns["PORT(S)"], dns["SELECTOR"]).Should().Be(("ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP,9153/TCP", "k8s-app=kube-dns"));
        var kubernetes = rows.Single(r => r["NAME"] == "kubernetes");
        (kubernetes["PORT(S)"], kubernetes["SELECTOR"]).Should().Be(("443/TCP", "<none>"));

        var (plainHeaders, _) = await GetTableAsync("get", "svc", "-n", "default", "--show-labels");
        plainHeaders.Should().Equal("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "LABELS");
    }

    [Fact]
    public async Task Get_nodes_prints_status_roles_version_and_the_wide_columns()
    {
        var (headers, rows) = await GetTableAsync("get", "nodes");
        headers.Should().Equal("NAME", "STATUS", "ROLES", "AGE", "VERSION");
        rows.Select(r => r["NAME"]).Should().Contain(["worker1", "worker2"]);
        rows.Should().OnlyContain(r => r["STATUS"] == "Ready" && r["ROLES"] == "<none>" && r["VERSION"] == "v1.32.0");

        var (wideHeaders, wideRows) = await GetTableAsync("get", "nodes", "-o", "wide", "--show-labels");
        wideHeaders.Should().Equal("NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME", "LABELS");
        var worker1 = wideRows.Single(r => r["NAME"] == "worker1");
        (worker1["INTERNAL-IP"], worker1["EXTERNAL-IP"], worker1["KERNEL-VERSION"], worker1["CONTAINER-RUNTIME"]).Should().Be(("192.0.2.11", "192.0.2.101", "6.8.0-emulator", "containerd://1.7.22"));
        worker1["LABELS"].Should().Contain("kubernetes.io/hostname=worker1");
    }

    [Fact]
    public async Task Other_kinds_print_their_own_columns()
    {
        (await GetTableAsync("get", "namespaces")).Headers.Should().Equal("NAME", "STATUS", "AGE");
        (await GetTableAsync("get", "configmaps", "-n", "kube-system")).Headers.Should().Equal("NAME", "DATA", "AGE");
        (await GetTableAsync("get", "serviceaccounts", "-n", "kube-system")).Headers.Should().Equal("NAME", "SECRETS", "AGE");
        var (epHeaders, epRows) = await GetTableAsync("get", "endpoints", "kube-dns", "-n", "kube-system");
        epHeaders.Should().Equal("NAME", "ENDPOINTS", "AGE");
        epRows.Single()["ENDPOINTS"].Should().StartWith("198.51.100.").And.Contain(":53,");
    }

    [Fact]
    public async Task A_kind_without_a_printer_gets_the_default_table()
    {
        var roles = await GetJsonAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles", "application/json;as=Table;v=v1;g=meta.k8s.io");
        ((string)roles["kind"]!).Should().Be("Table");
        roles["columnDefinitions"]!.AsArray().Select(c => (string)c!["name"]! + ":" + (string)c["type"]!).Should().Equal("Name:string", "Created At:date");
    }

    private HttpClient Client()
    {
        var client = new HttpClient { BaseAddress = _f.Api.Url };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _f.Api.DefaultToken);
        return client;
    }

    private async Task<JsonObject> GetJsonAsync(string path, string accept)
    {
        using var client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(text);
        return JsonNode.Parse(text)!.AsObject();
    }

    [Fact]
    public async Task Accept_negotiation_honours_order_and_q_and_falls_back_to_the_plain_list()
    {
        const string table = "application/json;as=Table;v=v1;g=meta.k8s.io";
        ((string)(await GetJsonAsync("/api/v1/namespaces/default/pods", table + ",application/json"))["kind"]!).Should().Be("Table");
        ((string)(await GetJsonAsync("/api/v1/namespaces/default/pods", "application/json," + table))["kind"]!).Should().Be("PodList");
        ((string)(await GetJsonAsync("/api/v1/namespaces/default/pods", "application/json;q=0.5," + table))["kind"]!).Should().Be("Table");
        ((string)(await GetJsonAsync("/api/v1/namespaces/default/pods", "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"))["kind"]!).Should().Be("PodList");
        ((string)(await GetJsonAsync("/api/v1/namespaces/default/pods", "*/*"))["kind"]!).Should().Be("PodList");
    }

    [Fact]
    public async Task Include_object_controls_what_each_row_carries()
    {
        const string table = "application/json;as=Table;v=v1;g=meta.k8s.io";
        var metadata = await GetJsonAsync("/api/v1/namespaces/kube-system/services/kube-dns", table);
        ((string)metadata["apiVersion"]!).Should().Be("meta.k8s.io/v1");
        metadata["columnDefinitions"]!.AsArray().Select(c => (string)c!["name"]!).Should().Equal("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector");
        ((int)metadata["columnDefinitions"]![6]!["priority"]!).Should().Be(1);
        var row = metadata["rows"]!.AsArray().Single()!;
        ((string)row["object"]!["kind"]!).Should().Be("PartialObjectMetadata");
        ((string)row["object"]!["metadata"]!["name"]!).Should().Be("kube-dns");
        ((string)metadata["metadata"]!["resourceVersion"]!).Should().Be((string)row["object"]!["metadata"]!["resourceVersion"]!);

        var none = await GetJsonAsync("/api/v1/namespaces/kube-system/services/kube-dns?includeObject=None", table);
        none["rows"]![0]!.AsObject().ContainsKey("object").Should().BeFalse();

        var whole = await GetJsonAsync("/api/v1/namespaces/kube-system/services?includeObject=Object", table);
        var svc = whole["rows"]!.AsArray().Select(r => r!["object"]!).Single(o => (string)o["metadata"]!["name"]! == "kube-dns");
        ((string)svc["kind"]!).Should().Be("Service");
        ((string)svc["spec"]!["clusterIP"]!).Should().Be("10.96.0.10");

        using var client = Client();
        using var bad = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces/kube-system/services?includeObject=Everything");
        bad.Headers.TryAddWithoutValidation("Accept", table);
        using var response = await client.SendAsync(bad);
        ((int)response.StatusCode).Should().Be(400);
    }
}

/// <summary>kubectl --watch over Tables: the first event carries the columns, later ones only rows.</summary>
public sealed class KubectlTableWatchTests
{
    [Fact]
    public async Task Get_services_watch_prints_the_pending_row_then_the_load_balancer_ip()
    {
        await using var session = await EmulatorSession.StartAsync(loadBalancerDelay: TimeSpan.FromMilliseconds(500));
        var api = session.Api;
        using var watch = session.StartKubectl("get", "svc", "--watch");
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (!api.Requests.Any(r => r.PathAndQuery.Contains("watch=true", StringComparison.Ordinal) && r.PathAndQuery.StartsWith("/api/v1/namespaces/default/services", StringComparison.Ordinal)))
            {
                await Task.Delay(50, cts.Token);
            }
            api.CreateObject("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"frontend","namespace":"default"},"spec":{"type":"LoadBalancer","selector":{"app":"frontend"},"ports":[{"port":80,"targetPort":8080}]}}""");
            var lines = new List<string>();
            string? line;
            while ((line = await watch.StandardOutput.ReadLineAsync(cts.Token)) is not null)
            {
                lines.Add(line);
                if (line.StartsWith("frontend", StringComparison.Ordinal) && line.Contains("203.0.113.", StringComparison.Ordinal))
                {
                    break;
                }
            }
            // kubectl prints each watch event on its own, so columns do not line up across lines: split on spaces.
            lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Should().Equal("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE");
            string[] names = ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"];
            var frontend = lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(cells => names.Zip(cells).ToDictionary(p => p.First, p => p.Second))
                .Where(r => r["NAME"] == "frontend").ToList();
            frontend.Should().HaveCount(2);
            frontend[0]["TYPE"].Should().Be("LoadBalancer");
            frontend[0]["EXTERNAL-IP"].Should().Be("<pending>");
            frontend[1]["EXTERNAL-IP"].Should().StartWith("203.0.113.");
            frontend[1]["PORT(S)"].Should().MatchRegex("^80:[0-9]+/TCP$");
            lines.Count(l => l.StartsWith("NAME", StringComparison.Ordinal)).Should().Be(1, "the header is printed once");
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
            await watch.WaitForExitAsync();
        }
    }
}
