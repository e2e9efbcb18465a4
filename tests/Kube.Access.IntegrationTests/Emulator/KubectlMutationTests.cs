using System.Diagnostics;
using System.Text.Json.Nodes;
using FluentAssertions;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.IntegrationTests.Emulator;

/// <summary>kubectl commands that change state, each against its own emulator.</summary>
public sealed class KubectlMutationTests
{
    [Fact]
    public async Task Create_f_hello_application_runs_two_pods_owned_by_a_replicaset()
    {
        await using var emulator = await EmulatorSession.StartAsync();
        var api = emulator.Api;
        var file = emulator.WriteFile("hello-application.yaml", GuideManifests.HelloApplication);

        var created = await emulator.Kubectl("create", "-f", file);
        created.ExitCode.Should().Be(0, created.Stderr);
        created.Stdout.Trim().Should().Be("deployment.apps/hello-world created");

        var pods = (await emulator.Kubectl("get", "pods", "--selector=run=load-balancer-example", "-o", "json")).Json()["items"]!.AsArray();
        pods.Should().HaveCount(2);
        var rs = (await emulator.Kubectl("get", "replicasets", "-o", "json")).Json()["items"]!.AsArray().Single()!;
        var hash = (string)rs["metadata"]!["labels"]!["pod-template-hash"]!;
        ((string)rs["metadata"]!["name"]!).Should().Be("hello-world-" + hash);
        foreach (var pod in pods)
        {
            ((string)pod!["status"]!["phase"]!).Should().Be("Running");
            ((string)pod["status"]!["podIP"]!).Should().StartWith("198.51.100.");
            ((string)pod["metadata"]!["ownerReferences"]![0]!["name"]!).Should().Be("hello-world-" + hash);
            ((string)pod["metadata"]!["name"]!).Should().StartWith("hello-world-" + hash + "-");
        }

        var again = await emulator.Kubectl("create", "-f", file);
        again.ExitCode.Should().NotBe(0);
        again.Stderr.Should().Contain("Error from server (AlreadyExists)").And.Contain("deployments.apps \"hello-world\" already exists");
    }

    [Fact]
    public async Task Expose_deployment_as_node_port_allocates_a_node_port_and_endpoints()
    {
        await using var emulator = await EmulatorSession.StartAsync(EmulatorScenario.Guide);
        var api = emulator.Api;

        var result = await emulator.Kubectl("expose", "deployment", "hello-world", "--type=NodePort", "--name=example-service");
        result.ExitCode.Should().Be(0, result.Stderr);
        result.Stdout.Trim().Should().Be("service/example-service exposed");

        var svc = (await emulator.Kubectl("get", "service", "example-service", "-o", "json")).Json();
        ((string)svc["spec"]!["type"]!).Should().Be("NodePort");
        var nodePort = (int)svc["spec"]!["ports"]![0]!["nodePort"]!;
        nodePort.Should().BeInRange(30000, 32767);
        ((string)svc["spec"]!["selector"]!["run"]!).Should().Be("load-balancer-example");

        var endpoints = (await emulator.Kubectl("get", "endpoints", "example-service", "-o", "json")).Json();
        var addresses = endpoints["subsets"]![0]!["addresses"]!.AsArray().Select(a => (string)a!["ip"]!).ToList();
        var podIps = (await emulator.Kubectl("get", "pods", "--selector=run=load-balancer-example", "-o", "json")).Json()["items"]!.AsArray()
            .Select(p => (string)p!["status"]!["podIP"]!).ToList();
        addresses.Should().BeEquivalentTo(podIps).And.HaveCount(2);
        ((int)endpoints["subsets"]![0]!["ports"]![0]!["port"]!).Should().Be(8080);
    }

    [Fact]
    public async Task Delete_deployment_removes_its_replicaset_and_pods()
    {
        await using var emulator = await EmulatorSession.StartAsync(EmulatorScenario.Guide);
        var api = emulator.Api;

        var result = await emulator.Kubectl("delete", "deployment", "hello-world");
        result.ExitCode.Should().Be(0, result.Stderr);
        result.Stdout.Trim().Should().Be("deployment.apps \"hello-world\" deleted");
        api.GetObject("deployments", "default", "hello-world").Should().BeNull();
        api.ListNames("replicasets", "default").Should().NotContain(n => n.StartsWith("hello-world-", StringComparison.Ordinal));
        api.ListNames("pods", "default").Should().NotContain(n => n.StartsWith("hello-world-", StringComparison.Ordinal));

        var missing = await emulator.Kubectl("delete", "deployment", "hello-world");
        missing.ExitCode.Should().NotBe(0);
        missing.Stderr.Should().Contain("deployments.apps \"hello-world\" not found");
    }

    [Fact]
    public async Task Delete_pod_of_a_replicaset_is_replaced()
    {
        await using var emulator = await EmulatorSession.StartAsync(EmulatorScenario.Guide);
        var api = emulator.Api;
        var before = api.ListNames("pods", "default").Where(n => n.StartsWith("hello-world-", StringComparison.Ordinal)).ToList();
        before.Should().HaveCount(2);

        var result = await emulator.Kubectl("delete", "pod", before[0]);
        result.ExitCode.Should().Be(0, result.Stderr);

        var after = api.ListNames("pods", "default").Where(n => n.StartsWith("hello-world-", StringComparison.Ordinal)).ToList();
        after.Should().HaveCount(2).And.NotContain(before[0]).And.Contain(before[1]);
    }

    [Fact]
    public async Task Invalid_name_is_rejected_with_422_and_the_dns_rule()
    {
        await using var emulator = await EmulatorSession.StartAsync();
        var api = emulator.Api;
        var file = emulator.WriteFile("bad.json", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"},"data":{"a":"b"}}""");

        var result = await emulator.Kubectl("create", "-f", file);
        result.ExitCode.Should().NotBe(0);
        result.Stderr.Should().Contain("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of");
    }

    [Fact]
    public async Task Get_watch_prints_a_created_pod()
    {
        await using var emulator = await EmulatorSession.StartAsync();
        var api = emulator.Api;
        using var watch = emulator.StartKubectl("get", "pods", "-w", "-o", "jsonpath={.metadata.name}{\"\\n\"}");
        try
        {
            // Wait until kubectl's watch request is established, then create a pod.
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (!api.Requests.Any(r => r.PathAndQuery.Contains("watch=true", StringComparison.Ordinal) && r.PathAndQuery.StartsWith("/api/v1/namespaces/default/pods", StringComparison.Ordinal)))
            {
                await Task.Delay(50, cts.Token);
            }
            api.CreateObject("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"watched","namespace":"default"},"spec":{"containers":[{"name":"c","image":"nginx:1.25"}]}}""");
            string? line;
            var seen = new List<string>();
            while ((line = await watch.StandardOutput.ReadLineAsync(cts.Token)) is not null)
            {
                seen.Add(line.Trim());
                if (line.Trim() == "watched")
                {
                    break;
                }
            }
            seen.Should().Contain("watched");
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
            await watch.WaitForExitAsync();
        }
    }
}
