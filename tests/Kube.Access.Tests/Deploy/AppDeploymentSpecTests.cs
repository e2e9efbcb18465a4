using System.Text;
using FluentAssertions;
using Kube.Access.Deploy;
using Xunit;

namespace Kube.Access.Tests.Deploy;

public class AppDeploymentSpecTests
{
    private static readonly string DockerCfg = Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"https://index.docker.io/v1/\":{\"auth\":\"dXNlcjpwYXNz\",\"email\":\"a@b.c\"}}"));

    private static AppDeploymentSpec Valid() => new()
    {
        Name = "hello-world",
        Image = "gcr.io/google-samples/node-hello:1.0",
        Replicas = 2,
    };

    private static IEnumerable<SpecProblem> ProblemsAt(AppDeploymentSpec spec, string field) =>
        spec.Validate().Where(p => p.Field == field);

    [Fact]
    public void A_minimal_spec_is_valid() => Valid().Validate().Should().BeEmpty();

    [Theory]
    [InlineData("a")]
    [InlineData("hello")]
    [InlineData("hello-world")]
    [InlineData("a1")]
    [InlineData("a-b-c-1")]
    [InlineData("abcdefghijklmnopqrstuvwx")] // 24
    [InlineData("  hello  ")] // surrounding spaces ignored
    public void Accepted_names(string name)
    {
        ProblemsAt(Valid() with { Name = name }, "name").Should().BeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Hello")]
    [InlineData("1hello")]
    [InlineData("-hello")]
    [InlineData("hello-")]
    [InlineData("hello_world")]
    [InlineData("hello.world")]
    [InlineData("he llo")]
    [InlineData("abcdefghijklmnopqrstuvwxy")] // 25
    public void Rejected_names(string name)
    {
        ProblemsAt(Valid() with { Name = name }, "name").Should().NotBeEmpty();
    }

    [Fact]
    public void Surrounding_spaces_are_trimmed_in_the_objects()
    {
        var m = (Valid() with { Name = "  hello " }).BuildManifests();
        m.Deployment.Metadata.Name.Should().Be("hello");
        m.Deployment.Spec.Template.Spec.Containers[0].Name.Should().Be("hello");
        m.Deployment.Metadata.Labels["app"].Should().Be("hello");
    }

    [Theory]
    [InlineData("nginx")]
    [InlineData("nginx:1.27")]
    [InlineData("gcr.io/google-samples/hello-go-gke:1.0")]
    [InlineData("localhost:5000/team/app:v2")]
    [InlineData("registry.example.com/a/b/c")]
    [InlineData("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("nginx:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("[::1]:5000/app")]
    [InlineData("my_org/my__app")]
    public void Accepted_images(string image)
    {
        ProblemsAt(Valid() with { Image = image }, "image").Should().BeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("nginx:")]
    [InlineData("Nginx")]
    [InlineData("nginx:latest ")]
    [InlineData(" nginx")]
    [InlineData("nginx::1")]
    [InlineData("nginx:-bad")]
    [InlineData("nginx@sha256:short")]
    [InlineData("/nginx")]
    [InlineData("nginx/")]
    [InlineData("a..b")]
    public void Rejected_images(string image)
    {
        ProblemsAt(Valid() with { Image = image }, "image").Should().NotBeEmpty();
    }

    [Fact]
    public void Uppercase_image_is_reported_as_needing_lowercase()
    {
        ProblemsAt(Valid() with { Image = "Library/Nginx" }, "image").Single().Message.Should().Contain("lowercase");
    }

    [Fact]
    public void Image_repository_longer_than_255_is_rejected()
    {
        var image = string.Join("/", Enumerable.Repeat("abcdefghij", 24)); // 263 chars
        ProblemsAt(Valid() with { Image = image }, "image").Single().Message.Should().Contain("255");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(int.MaxValue)]
    public void Accepted_replicas(int replicas) => ProblemsAt(Valid() with { Replicas = replicas }, "replicas").Should().BeEmpty();

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Rejected_replicas(int replicas) => ProblemsAt(Valid() with { Replicas = replicas }, "replicas").Should().ContainSingle();

    [Fact]
    public void Internal_service_builds_a_ClusterIP_service_with_port_pairs()
    {
        var m = (Valid() with
        {
            Service = AppServiceKind.Internal,
            PortMappings = [new AppPortMapping(80, 8080), new AppPortMapping(53, 5353, AppPortProtocol.Udp)],
        }).BuildManifests();
        m.Service.Should().NotBeNull();
        m.Service!.Spec.Type.Should().Be("ClusterIP");
        m.Service.Metadata.Name.Should().Be("hello-world");
        m.Service.Spec.Selector.Should().BeEquivalentTo(m.Deployment.Spec.Selector.MatchLabels);
        m.Service.Spec.Ports.Select(p => (p.Name, p.Port, p.TargetPort.Value, p.Protocol))
            .Should().Equal(("tcp-80-8080", 80, "8080", "TCP"), ("udp-53-5353", 53, "5353", "UDP"));
    }

    [Fact]
    public void External_service_is_a_LoadBalancer()
    {
        var m = (Valid() with { Service = AppServiceKind.External, PortMappings = [new AppPortMapping(80, 8080)] }).BuildManifests();
        m.Service!.Spec.Type.Should().Be("LoadBalancer");
    }

    [Fact]
    public void No_service_builds_none() => Valid().BuildManifests().Service.Should().BeNull();

    [Fact]
    public void A_service_needs_a_port_mapping()
    {
        ProblemsAt(Valid() with { Service = AppServiceKind.Internal }, "portMappings").Should().ContainSingle();
        ProblemsAt(Valid() with { Service = AppServiceKind.External }, "portMappings").Should().ContainSingle();
    }

    [Fact]
    public void Port_mappings_without_a_service_are_reported()
    {
        ProblemsAt(Valid() with { PortMappings = [new AppPortMapping(80, 80)] }, "service").Should().ContainSingle();
    }

    [Theory]
    [InlineData(1, 1, true)]
    [InlineData(65535, 65535, true)]
    [InlineData(80, 8080, true)]
    [InlineData(0, 80, false)]
    [InlineData(80, 0, false)]
    [InlineData(65536, 80, false)]
    [InlineData(80, 65536, false)]
    [InlineData(-1, 80, false)]
    public void Port_ranges(int port, int target, bool ok)
    {
        var problems = (Valid() with { Service = AppServiceKind.Internal, PortMappings = [new AppPortMapping(port, target)] })
            .Validate().Where(p => p.Field.StartsWith("portMappings[0]", StringComparison.Ordinal));
        if (ok) problems.Should().BeEmpty();
        else problems.Should().NotBeEmpty();
    }

    [Fact]
    public void Port_problem_names_the_field()
    {
        var spec = Valid() with { Service = AppServiceKind.Internal, PortMappings = [new AppPortMapping(80, 80), new AppPortMapping(81, 70000)] };
        spec.Validate().Should().ContainSingle(p => p.Field == "portMappings[1].targetPort" && p.Value == "70000");
    }

    [Fact]
    public void Udp_is_accepted_internally_and_rejected_externally()
    {
        ProblemsAt(Valid() with { Service = AppServiceKind.Internal, PortMappings = [new AppPortMapping(53, 53, AppPortProtocol.Udp)] }, "portMappings[0].protocol").Should().BeEmpty();
        ProblemsAt(Valid() with { Service = AppServiceKind.External, PortMappings = [new AppPortMapping(53, 53, AppPortProtocol.Udp)] }, "portMappings[0].protocol").Should().ContainSingle();
    }

    [Fact]
    public void Unknown_protocol_value_is_rejected()
    {
        ProblemsAt(Valid() with { Service = AppServiceKind.Internal, PortMappings = [new AppPortMapping(53, 53, (AppPortProtocol)7)] }, "portMappings[0].protocol").Should().ContainSingle();
    }

    [Fact]
    public void Duplicate_port_and_protocol_is_rejected_but_same_port_on_tcp_and_udp_is_fine()
    {
        ProblemsAt(Valid() with { Service = AppServiceKind.Internal, PortMappings = [new AppPortMapping(80, 80), new AppPortMapping(80, 81)] }, "portMappings[1]").Should().ContainSingle();
        (Valid() with { Service = AppServiceKind.Internal, PortMappings = [new AppPortMapping(53, 53), new AppPortMapping(53, 53, AppPortProtocol.Udp)] }).Validate().Should().BeEmpty();
    }

    [Fact]
    public void Description_becomes_an_annotation_on_deployment_pods_and_service()
    {
        var m = (Valid() with { Description = "A hello app", Service = AppServiceKind.Internal, PortMappings = [new AppPortMapping(80, 8080)] }).BuildManifests();
        m.Deployment.Metadata.Annotations["description"].Should().Be("A hello app");
        m.Deployment.Spec.Template.Metadata.Annotations["description"].Should().Be("A hello app");
        m.Service!.Metadata.Annotations["description"].Should().Be("A hello app");
        Valid().BuildManifests().Deployment.Metadata.Annotations.Should().BeNull();
    }

    [Fact]
    public void Oversized_description_is_rejected()
    {
        ProblemsAt(Valid() with { Description = new string('x', 256 * 1024) }, "description").Should().ContainSingle();
        ProblemsAt(Valid() with { Description = new string('x', 1000) }, "description").Should().BeEmpty();
    }

    [Fact]
    public void Default_labels_are_app_and_version_from_the_image_tag()
    {
        var m = Valid().BuildManifests();
        m.Deployment.Metadata.Labels.Should().Equal(new Dictionary<string, string> { ["app"] = "hello-world", ["version"] = "1.0" });
        m.Deployment.Spec.Selector.MatchLabels.Should().Equal(m.Deployment.Metadata.Labels);
        m.Deployment.Spec.Template.Metadata.Labels.Should().Equal(m.Deployment.Metadata.Labels);
        (Valid() with { Image = "nginx" }).BuildManifests().Deployment.Metadata.Labels.Keys.Should().Equal("app");
        (Valid() with { Version = "v9" }).BuildManifests().Deployment.Metadata.Labels["version"].Should().Be("v9");
    }

    [Fact]
    public void Extra_labels_are_added_everywhere()
    {
        var spec = Valid() with
        {
            Labels = [new("release", "1.0"), new("tier", "frontend"), new("environment", "pod"), new("track", "stable"), new("example.com/partition", "a")],
            Service = AppServiceKind.Internal,
            PortMappings = [new AppPortMapping(80, 80)],
        };
        spec.Validate().Should().BeEmpty();
        var m = spec.BuildManifests();
        foreach (var labels in new[] { m.Deployment.Metadata.Labels, m.Deployment.Spec.Template.Metadata.Labels, m.Service!.Metadata.Labels, m.Service.Spec.Selector })
        {
            labels.Should().Contain("release", "1.0").And.Contain("tier", "frontend").And.Contain("track", "stable").And.Contain("example.com/partition", "a");
        }
    }

    [Theory]
    [InlineData("release", "1.0", true)]
    [InlineData("example.com/tier", "backend", true)]
    [InlineData("a", "", true)]
    [InlineData("Track", "Stable_1", true)]
    [InlineData("", "x", false)]
    [InlineData("bad key", "x", false)]
    [InlineData("-bad", "x", false)]
    [InlineData("Example.com/x", "x", false)]
    [InlineData("a/b/c", "x", false)]
    [InlineData("/x", "x", false)]
    [InlineData("ok", "bad value", false)]
    [InlineData("ok", "-x", false)]
    [InlineData("ok", "0123456789012345678901234567890123456789012345678901234567890123", false)]
    [InlineData("x0123456789012345678901234567890123456789012345678901234567890123", "v", false)]
    public void Label_rules(string key, string value, bool ok)
    {
        var problems = (Valid() with { Labels = [new(key, value)] }).Validate().Where(p => p.Field.StartsWith("labels[0]", StringComparison.Ordinal));
        if (ok) problems.Should().BeEmpty();
        else problems.Should().NotBeEmpty();
    }

    [Fact]
    public void Label_keys_app_version_and_duplicates_are_rejected()
    {
        ProblemsAt(Valid() with { Labels = [new("app", "x")] }, "labels[0].key").Should().ContainSingle();
        ProblemsAt(Valid() with { Labels = [new("version", "x")] }, "labels[0].key").Should().ContainSingle();
        ProblemsAt(Valid() with { Image = "nginx", Labels = [new("version", "x")] }, "labels[0].key").Should().BeEmpty();
        ProblemsAt(Valid() with { Labels = [new("tier", "a"), new("tier", "b")] }, "labels[1].key").Should().ContainSingle();
    }

    [Fact]
    public void Invalid_version_is_rejected() =>
        ProblemsAt(Valid() with { Version = "not valid" }, "version").Should().ContainSingle();

    [Theory]
    [InlineData("default", true)]
    [InlineData("kube-system", true)]
    [InlineData("team-1", true)]
    [InlineData("1team", true)]
    [InlineData("a23456789012345678901234567890123456789012345678901234567890123", true)] // 63
    [InlineData("10", false)]
    [InlineData("0", false)]
    [InlineData("", false)]
    [InlineData("Team", false)]
    [InlineData("team_1", false)]
    [InlineData("team.1", false)]
    [InlineData("-team", false)]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234", false)] // 64
    public void Namespace_rules(string ns, bool ok)
    {
        var problems = ProblemsAt(Valid() with { Namespace = ns }, "namespace");
        if (ok) problems.Should().BeEmpty();
        else problems.Should().NotBeEmpty();
    }

    [Fact]
    public void Namespace_object_only_when_asked()
    {
        Valid().BuildManifests().Namespace.Should().BeNull();
        var m = (Valid() with { Namespace = "apps", CreateNamespace = true }).BuildManifests();
        m.Namespace!.Metadata.Name.Should().Be("apps");
        m.Deployment.Metadata.NamespaceProperty.Should().Be("apps");
        m.All.Select(o => o.Kind).Should().Equal("Namespace", "Deployment");
    }

    [Theory]
    [InlineData("new.image-pull.secret", true)]
    [InlineData("regcred", true)]
    [InlineData("a", true)]
    [InlineData("New.Secret", false)]
    [InlineData("secret_1", false)]
    [InlineData("", false)]
    [InlineData(".secret", false)]
    public void Image_pull_secret_name_rules(string name, bool ok)
    {
        var problems = ProblemsAt(Valid() with { ImagePullSecret = new AppImagePullSecret(name) }, "imagePullSecret.name");
        if (ok) problems.Should().BeEmpty();
        else problems.Should().NotBeEmpty();
    }

    [Fact]
    public void Image_pull_secret_name_length_limit_is_253()
    {
        var label = new string('a', 63);
        var name253 = $"{label}.{label}.{label}.{new string('b', 61)}";
        name253.Length.Should().Be(253);
        ProblemsAt(Valid() with { ImagePullSecret = new AppImagePullSecret(name253) }, "imagePullSecret.name").Should().BeEmpty();
        ProblemsAt(Valid() with { ImagePullSecret = new AppImagePullSecret(name253 + "c") }, "imagePullSecret.name").Should().ContainSingle();
    }

    [Theory]
    [InlineData("not base64!!")]
    [InlineData("W10=")] // []
    [InlineData("bm90IGpzb24=")] // "not json"
    [InlineData("")]
    public void Image_pull_secret_content_must_be_base64_of_a_dockercfg_object(string content)
    {
        ProblemsAt(Valid() with { ImagePullSecret = new AppImagePullSecret("regcred", content) }, "imagePullSecret.dockerConfigBase64").Should().ContainSingle();
    }

    [Fact]
    public void New_image_pull_secret_is_a_dockercfg_secret_referenced_by_the_pods()
    {
        var m = (Valid() with { Namespace = "apps", ImagePullSecret = new AppImagePullSecret("new.image-pull.secret", DockerCfg) }).BuildManifests();
        m.Secret!.Type.Should().Be("kubernetes.io/dockercfg");
        m.Secret.Metadata.Name.Should().Be("new.image-pull.secret");
        m.Secret.Metadata.NamespaceProperty.Should().Be("apps");
        Encoding.UTF8.GetString(m.Secret.Data[".dockercfg"]).Should().StartWith("{\"https://index.docker.io/v1/\"");
        m.Deployment.Spec.Template.Spec.ImagePullSecrets.Single().Name.Should().Be("new.image-pull.secret");
        var existing = (Valid() with { ImagePullSecret = new AppImagePullSecret("regcred") }).BuildManifests();
        existing.Secret.Should().BeNull();
        existing.Deployment.Spec.Template.Spec.ImagePullSecrets.Single().Name.Should().Be("regcred");
    }

    [Theory]
    [InlineData("0", "0", true)]
    [InlineData("1", "1", true)]
    [InlineData("0.5", "500m", true)]
    [InlineData("0.001", "1m", true)]
    [InlineData("2.25", "2250m", true)]
    [InlineData("-1", null, false)]
    [InlineData("0.0005", null, false)]
    public void Cpu_request_in_cores(string cores, string? quantity, bool ok)
    {
        var spec = Valid() with { CpuRequestCores = decimal.Parse(cores, System.Globalization.CultureInfo.InvariantCulture) };
        if (!ok)
        {
            ProblemsAt(spec, "cpuRequestCores").Should().ContainSingle();
            return;
        }
        spec.Validate().Should().BeEmpty();
        spec.BuildManifests().Deployment.Spec.Template.Spec.Containers[0].Resources.Requests["cpu"].ToString().Should().Be(quantity);
    }

    [Theory]
    [InlineData("64", "64Mi", true)]
    [InlineData("0", "0", true)] // the quantity canonicalises 0Mi to 0
    [InlineData("0.5", "524288", true)]
    [InlineData("-5", null, false)]
    [InlineData("0.0000001", null, false)]
    public void Memory_request_in_MiB(string mib, string? quantity, bool ok)
    {
        var spec = Valid() with { MemoryRequestMiB = decimal.Parse(mib, System.Globalization.CultureInfo.InvariantCulture) };
        if (!ok)
        {
            ProblemsAt(spec, "memoryRequestMiB").Should().ContainSingle();
            return;
        }
        spec.Validate().Should().BeEmpty();
        spec.BuildManifests().Deployment.Spec.Template.Spec.Containers[0].Resources.Requests["memory"].ToString().Should().Be(quantity);
    }

    [Fact]
    public void No_resources_when_no_requests() =>
        Valid().BuildManifests().Deployment.Spec.Template.Spec.Containers[0].Resources.Should().BeNull();

    [Fact]
    public void Command_and_arguments_and_privileged()
    {
        var spec = Valid() with
        {
            Command = AppDeploymentSpec.SplitArguments("/bin/sh"),
            Arguments = AppDeploymentSpec.SplitArguments("  -c   echo $(GREETING) "),
            RunAsPrivileged = true,
            EnvironmentVariables = [new("GREETING", "hi")],
        };
        spec.Validate().Should().BeEmpty();
        var c = spec.BuildManifests().Deployment.Spec.Template.Spec.Containers[0];
        c.Command.Should().Equal("/bin/sh");
        c.Args.Should().Equal("-c", "echo", "$(GREETING)");
        c.SecurityContext.Privileged.Should().BeTrue();
        Valid().BuildManifests().Deployment.Spec.Template.Spec.Containers[0].SecurityContext.Privileged.Should().BeFalse();
    }

    [Fact]
    public void Empty_command_word_and_unclosed_references_are_rejected()
    {
        ProblemsAt(Valid() with { Command = [""] }, "command[0]").Should().ContainSingle();
        ProblemsAt(Valid() with { Arguments = ["ok", "$(BROKEN"] }, "arguments[1]").Should().ContainSingle();
        ProblemsAt(Valid() with { Arguments = [""] }, "arguments[0]").Should().BeEmpty();
    }

    [Theory]
    [InlineData("GREETING", true)]
    [InlineData("_x1", true)]
    [InlineData("a_B_9", true)]
    [InlineData("1ABC", false)]
    [InlineData("MY-VAR", false)]
    [InlineData("MY.VAR", false)]
    [InlineData("", false)]
    public void Environment_variable_names(string name, bool ok)
    {
        var problems = ProblemsAt(Valid() with { EnvironmentVariables = [new(name, "v")] }, "environmentVariables[0].name");
        if (ok) problems.Should().BeEmpty();
        else problems.Should().NotBeEmpty();
    }

    [Fact]
    public void Environment_variable_references()
    {
        // Earlier variables and unknown names (service variables) are fine; $$ escapes.
        (Valid() with { EnvironmentVariables = [new("A", "x"), new("B", "$(A)-$(HELLO_SERVICE_HOST)-$$(B)")] }).Validate().Should().BeEmpty();
        // A reference to a later variable (or itself) is never expanded by Kubernetes.
        ProblemsAt(Valid() with { EnvironmentVariables = [new("A", "$(B)"), new("B", "x")] }, "environmentVariables[0].value").Should().ContainSingle();
        ProblemsAt(Valid() with { EnvironmentVariables = [new("A", "$(A)")] }, "environmentVariables[0].value").Should().ContainSingle();
        ProblemsAt(Valid() with { EnvironmentVariables = [new("A", "$(not valid)")] }, "environmentVariables[0].value").Should().ContainSingle();
        ProblemsAt(Valid() with { EnvironmentVariables = [new("A", "x $(B")] }, "environmentVariables[0].value").Should().ContainSingle();
        ProblemsAt(Valid() with { EnvironmentVariables = [new("A", "1"), new("A", "2")] }, "environmentVariables[1].name").Should().ContainSingle();
    }

    [Fact]
    public void Environment_variables_keep_their_order()
    {
        var env = (Valid() with { EnvironmentVariables = [new("B", "2"), new("A", "$(B)")] }).BuildManifests().Deployment.Spec.Template.Spec.Containers[0].Env;
        env.Select(e => (e.Name, e.Value)).Should().Equal(("B", "2"), ("A", "$(B)"));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var spec = new AppDeploymentSpec
        {
            Name = "Bad_Name",
            Image = "",
            Replicas = 0,
            Service = AppServiceKind.External,
            PortMappings = [new AppPortMapping(0, 80, AppPortProtocol.Udp)],
            Namespace = "10",
            ImagePullSecret = new AppImagePullSecret("Bad", "%%%"),
            CpuRequestCores = -1,
            MemoryRequestMiB = -1,
            EnvironmentVariables = [new("1X", "v")],
            Labels = [new("bad key", "v")],
        };
        spec.Validate().Select(p => p.Field).Should().Contain(
        [
            "name", "image", "replicas", "portMappings[0].port", "portMappings[0].protocol", "namespace",
            "imagePullSecret.name", "imagePullSecret.dockerConfigBase64", "cpuRequestCores", "memoryRequestMiB",
            "environmentVariables[0].name", "labels[0].key",
        ]);
        var act = () => spec.BuildManifests();
        act.Should().Throw<AppDeploymentValidationException>().Which.Problems.Should().HaveCountGreaterThan(10);
    }

    [Fact]
    public void The_deployment_is_shaped_like_the_dashboards()
    {
        var m = Valid().BuildManifests();
        m.Deployment.ApiVersion.Should().Be("apps/v1");
        m.Deployment.Kind.Should().Be("Deployment");
        m.Deployment.Spec.Replicas.Should().Be(2);
        var c = m.Deployment.Spec.Template.Spec.Containers.Single();
        c.Name.Should().Be("hello-world");
        c.Image.Should().Be("gcr.io/google-samples/node-hello:1.0");
        m.ToYaml().Should().Contain("kind: Deployment");
    }
}
