using FluentAssertions;
using FsCheck.Fluent;
using Kube.Access.Deploy;
using Kube.Access.Dns;
using Kube.Access.Manifests;
using Kube.Access.Services;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Tests.Services;

public class ServiceAccessIntegrationTests
{
    [Theory]
    [InlineData("deployment", "hello-world", "hello-application.yaml", new[] { "--type=NodePort", "--name=example-service" })]
    [InlineData("deployment", "mongo", "mongo-deployment.yaml", new string[0])]
    [InlineData("deployment", "hello", "backend-deployment.yaml", new[] { "--port=80", "--name=web", "--type=LoadBalancer" })]
    [InlineData("service", "mongo", "mongo-service.yaml", new[] { "--name=mongo-2", "--target-port=27018" })]
    public async Task Expose_creates_the_service_kubectl_expose_creates(string kind, string name, string file, string[] flags)
    {
        var path = Path.Combine(RepoPaths.ManifestsDir, file);
        await using var theirs = await EmulatorSession.StartAsync();
        await using var ours = await EmulatorSession.StartAsync();
        (await theirs.Kubectl("apply", "-f", path)).ExitCode.Should().Be(0);
        (await ours.Kubectl("apply", "-f", path)).ExitCode.Should().Be(0);

        var k = await theirs.Kubectl(["expose", kind, name, .. flags]);
        k.ExitCode.Should().Be(0, k.StdErr);
        var request = new ExposeRequest { Kind = kind, Name = name };
        foreach (var f in flags)
        {
            var (key, value) = (f[2..f.IndexOf('=')], f[(f.IndexOf('=') + 1)..]);
            request = key switch
            {
                "type" => request with { Type = value },
                "name" => request with { ServiceName = value },
                "port" => request with { Port = int.Parse(value) },
                "target-port" => request with { TargetPort = value },
                _ => throw new ArgumentException(f),
            };
        }
        var access = new ServiceAccess(ours.Connection);
        var created = await access.ExposeAsync(request);
        var serviceName = created.Metadata.Name;

        var theirObject = EmulatorSession.Comparable(await theirs.GetJson("service", serviceName));
        var ourObject = EmulatorSession.Comparable(await ours.GetJson("service", serviceName));
        JsonCompare.Same(ourObject, theirObject).Should().BeTrue($"ours {ourObject.ToJsonString()}\nkubectl {theirObject.ToJsonString()}");
    }

    [Fact]
    public async Task Expose_errors_are_typed()
    {
        await using var s = await EmulatorSession.StartAsync();
        var access = new ServiceAccess(s.Connection);
        var missing = () => access.ExposeAsync(new ExposeRequest { Kind = "deployment", Name = "nope" });
        (await missing.Should().ThrowAsync<KubeApiException>()).Which.StatusCode.Should().Be(404);
        var bad = () => access.ExposeAsync(new ExposeRequest { Kind = "configmap", Name = "x" });
        await bad.Should().ThrowAsync<ServiceAccessException>();
        using var applier = new ManifestApplier(s.Connection);
        await applier.ApplyAsync([ManifestSource.FromText("apiVersion: v1\nkind: Pod\nmetadata: {name: bare, labels: {a: b}}\nspec: {containers: [{name: c, image: nginx}]}\n")]);
        var noPorts = () => access.ExposeAsync(new ExposeRequest { Kind = "pod", Name = "bare" });
        (await noPorts.Should().ThrowAsync<ServiceAccessException>()).Which.Message.Should().Contain("couldn't find port");
    }

    [Fact]
    public async Task The_guides_services_chapter_describe_and_access_points()
    {
        await using var s = await EmulatorSession.StartAsync(EmulatorScenario.Guide);
        var access = new ServiceAccess(s.Connection);
        await access.ExposeAsync(new ExposeRequest { Kind = "deployment", Name = "hello-world", Type = "NodePort", ServiceName = "example-service" });
        var d = await access.DescribeAsync("default", "example-service");
        d.Type.Should().Be("NodePort");
        d.Selector.Should().Equal(new Dictionary<string, string> { ["run"] = "load-balancer-example" });
        var port = d.Ports.Single();
        (port.Port, port.TargetPort, port.Protocol).Should().Be((8080, "8080", "TCP"));
        port.NodePort.Should().BeInRange(30000, 32767);

        var points = await access.GetAccessPointsAsync("default", "example-service");
        points.Should().Contain(p => p.Kind == AccessPointKind.ClusterDns && p.Host == "example-service.default.svc.cluster.local" && p.Port == 8080);
        points.Should().Contain(p => p.Kind == AccessPointKind.ClusterIP && p.Host == d.ClusterIPs[0]);
        var nodePoints = points.Where(p => p.Kind == AccessPointKind.NodePort).ToList();
        nodePoints.Should().NotBeEmpty().And.OnlyContain(p => p.Port == port.NodePort);
        points.Should().Contain(p => p.Kind == AccessPointKind.ApiServerProxy && p.Url!.EndsWith("/api/v1/namespaces/default/services/example-service:8080/proxy/"));
        points.Should().Contain(p => p.Kind == AccessPointKind.PortForward && p.Url == "kubectl port-forward -n default service/example-service 8080:8080");

        // kubectl describe agrees on the facts.
        var k = await s.Kubectl("describe", "service", "example-service");
        k.StdOut.Should().Contain($"{port.NodePort}/TCP").And.Contain("run=load-balancer-example");
    }

    [Fact]
    public async Task The_frontend_backend_chapter_end_to_end()
    {
        await using var s = await EmulatorSession.StartAsync(EmulatorScenario.Guide, TimeSpan.FromSeconds(1));
        using var applier = new ManifestApplier(s.Connection);
        var dir = RepoPaths.ManifestsDir;
        var backend = await applier.ApplyAsync([ManifestSource.FromFile(Path.Combine(dir, "backend-deployment.yaml")), ManifestSource.FromFile(Path.Combine(dir, "backend-service.yaml"))]);
        backend.Succeeded.Should().BeTrue(string.Join("; ", backend.Failures));
        var frontend = await applier.ApplyAsync([ManifestSource.FromFile(Path.Combine(dir, "frontend-deployment.yaml")), ManifestSource.FromFile(Path.Combine(dir, "frontend-service.yaml"))]);
        frontend.Objects.Select(o => o.ToString()).Should().Equal("deployment.apps/frontend created", "service/frontend created");

        var access = new ServiceAccess(s.Connection);
        var seen = new List<ServiceWatchEvent>();
        var external = await access.WaitForExternalAddressAsync("default", "frontend", TimeSpan.FromMinutes(2), new SyncProgress<ServiceWatchEvent>(seen.Add));
        seen.First().ExternalAddress.Should().BeNull("EXTERNAL-IP starts <pending>");
        external.Address.Should().NotBeNullOrEmpty();
        (await access.GetAccessPointsAsync("default", "frontend")).Should().Contain(p => p.Kind == AccessPointKind.LoadBalancer && p.Host == external.Address && p.Port == 80);

        // nginx's upstream "hello" is the backend service's DNS name, resolved through the pod's search list.
        var conf = await File.ReadAllTextAsync(Path.Combine(dir, "frontend-nginx.conf"));
        var upstream = System.Text.RegularExpressions.Regex.Match(conf, @"server\s+([a-z0-9.-]+);").Groups[1].Value;
        upstream.Should().Be("hello");
        KubeDnsNames.ServiceSearchNames("hello", "default").Should().Contain(upstream);
        var records = await new ClusterDns(s.Connection).GetServiceRecordsAsync("default", upstream, "cluster.local");
        var backendService = await s.GetJson("service", "hello");
        records.Should().Contain(r => r.Name == "hello.default.svc.cluster.local" && r.Type == DnsRecordType.A && r.Value == backendService["spec"]!["clusterIP"]!.GetValue<string>());
        var d = await access.DescribeAsync("default", "hello");
        d.Ports.Single().TargetPort.Should().Be("http");
    }

    [Fact]
    public async Task Waiting_on_a_ClusterIP_service_is_a_typed_error()
    {
        await using var s = await EmulatorSession.StartAsync(EmulatorScenario.Guide);
        var access = new ServiceAccess(s.Connection);
        var act = () => access.WaitForExternalAddressAsync("default", "mongo", TimeSpan.FromSeconds(30));
        await act.Should().ThrowAsync<ServiceAccessException>();
    }

    [Fact]
    public async Task Deploy_wizard_creates_the_objects_and_refuses_a_taken_name()
    {
        await using var s = await EmulatorSession.StartAsync();
        var wizard = new DeployWizard(s.Connection);
        var spec = new AppDeploymentSpec
        {
            Name = "web",
            Image = "nginx:1.27",
            Replicas = 2,
            Service = AppServiceKind.External,
            PortMappings = [new AppPortMapping(80, 8080)],
            Description = "the web app",
            Labels = [new AppLabel("tier", "frontend")],
            Namespace = "apps",
            CreateNamespace = true,
            ImagePullSecret = new AppImagePullSecret("new.image-pull.secret", Convert.ToBase64String("{\"r.io\":{\"auth\":\"eDp5\"}}"u8.ToArray())),
            CpuRequestCores = 0.25m,
            MemoryRequestMiB = 64,
            EnvironmentVariables = [new AppEnvironmentVariable("A", "1"), new AppEnvironmentVariable("B", "$(A)-2")],
        };
        var result = await wizard.DeployAsync(spec);
        result.NamespaceCreated.Should().BeTrue();
        result.ServiceDnsName.Should().Be("web.apps.svc");
        var dep = await s.GetJson("deployment", "web", "apps");
        dep["metadata"]!["annotations"]!["description"]!.GetValue<string>().Should().Be("the web app");
        dep["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["requests"]!["cpu"]!.GetValue<string>().Should().Be("250m");
        (await s.GetJson("service", "web", "apps"))["spec"]!["type"]!.GetValue<string>().Should().Be("LoadBalancer");
        (await s.GetJson("secret", "new.image-pull.secret", "apps"))["type"]!.GetValue<string>().Should().Be("kubernetes.io/dockercfg");

        var again = () => wizard.DeployAsync(spec with { CreateNamespace = false });
        (await again.Should().ThrowAsync<AppDeploymentValidationException>()).Which.Problems.Should().Contain(p => p.Field == "name");
    }

    [Fact]
    public async Task Every_accepted_generated_spec_is_accepted_by_the_emulator()
    {
        await using var s = await EmulatorSession.StartAsync();
        using var applier = new ManifestApplier(s.Connection);
        foreach (var ns in new[] { "apps", "team-1", new string('n', 63) })
            await applier.ApplyAsync([ManifestSource.FromText($"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n")]);
        var accepted = Kube.Access.Tests.Deploy.WizardArbitraries.Specs().Generator.Sample(400).Where(x => x.Validate().Count == 0).Take(40).ToList();
        accepted.Should().NotBeEmpty();
        foreach (var spec in accepted)
        {
            var yaml = spec.BuildManifests().ToYaml();
            var r = await applier.ApplyAsync([ManifestSource.FromText(yaml, spec.EffectiveName)], new ApplyRequest { DryRun = ApplyDryRun.Server });
            r.Succeeded.Should().BeTrue($"{yaml}\n{string.Join("; ", r.Failures)}");
        }
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
