using System.Text;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kube.Access.Deploy;
using Kube.Access.Manifests;
using Xunit;

namespace Kube.Access.Tests.Deploy;

/// <summary>Generators mixing accepted and rejected values for every wizard field.</summary>
public static class WizardArbitraries
{
    private static Gen<T> Pick<T>(T[] good, T[] bad) =>
        Gen.Frequency((12, Gen.Elements(good)), (1, Gen.Elements(bad)));

    public static Arbitrary<AppDeploymentSpec> Specs()
    {
        var names = Pick(["a", "hello", "hello-world", "web-1", "abcdefghijklmnopqrstuvwx", " padded "], ["Bad", "1x", "x-", "", "toolongtoolongtoolongtoolong", "a_b"]);
        var images = Pick(["nginx", "nginx:1.27", "gcr.io/google-samples/node-hello:1.0", "localhost:5000/a/b:v-1.2_3", "busybox@sha256:0123456789abcdef0123456789abcdef", "r.io/x:" + new string('t', 100)], ["nginx:", "Nginx", "", "a..b"]);
        var namespaces = Pick(["default", "apps", "team-1", new string('n', 63)], ["10", "Team", "", "a.b", new string('n', 64)]);
        var labelKeys = Pick(["release", "tier", "environment", "partition", "track", "example.com/team"], ["app", "version", "bad key", "", "x/y/z"]);
        var labelValues = Pick(["1.0", "frontend", "pod", "stable", ""], ["bad value", "-x", new string('v', 64)]);
        var envNames = Pick(["A", "GREETING", "_x", "B2"], ["1A", "MY-VAR", ""]);
        var envValues = Pick(["x", "$(A)", "$(GREETING) world", "$$(A)", "", "$(SERVICE_HOST)"], ["$(A", "$(bad name)"]);
        var secretNames = Pick(["regcred", "new.image-pull.secret"], ["Bad", ""]);
        var dockerCfgs = Pick<string?>([null, Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"r.io\":{\"auth\":\"eDp5\"}}"))], ["%%%", "W10="]);
        var ports = Pick([1, 80, 443, 8080, 65535], [0, -1, 65536]);
        var words = Pick<IReadOnlyList<string>?>([null, ["/bin/sh"], ["-c", "echo $(A)"]], [[""], ["$(A"]]);

        var mapping = from port in ports
                      from target in ports
                      from udp in Gen.Elements(false, false, true)
                      select new AppPortMapping(port, target, udp ? AppPortProtocol.Udp : AppPortProtocol.Tcp);
        var label = from k in labelKeys from v in labelValues select new AppLabel(k, v);
        var env = from n in envNames from v in envValues select new AppEnvironmentVariable(n, v);
        var secret = from n in secretNames from c in dockerCfgs select new AppImagePullSecret(n, c);

        var gen =
            from name in names
            from image in images
            from replicas in Pick([1, 2, 7, int.MaxValue], [0, -3])
            from service in Gen.Elements(AppServiceKind.None, AppServiceKind.Internal, AppServiceKind.External)
            from mappingCount in service == AppServiceKind.None ? Pick([0], [1]) : Pick([1, 2, 3], [0])
            from mappings in Gen.ListOf(mapping, mappingCount)
            from description in Gen.Elements<string?>(null, "", "A hello app", "설명")
            from labelCount in Gen.Choose(0, 3)
            from labels in Gen.ListOf(label, labelCount)
            from ns in namespaces
            from createNs in Gen.Elements(false, true)
            from pullSecret in Gen.OneOf(Gen.Constant<AppImagePullSecret?>(null), secret.Select(s => (AppImagePullSecret?)s))
            from cpu in Pick<decimal?>([null, 0m, 0.25m, 1m, 0.001m], [-1m, 0.0001m])
            from memory in Pick<decimal?>([null, 0m, 64m, 0.5m], [-2m, 0.0000001m])
            from command in words
            from args in words
            from privileged in Gen.Elements(false, true)
            from envCount in Gen.Choose(0, 3)
            from vars in Gen.ListOf(env, envCount)
            select new AppDeploymentSpec
            {
                Name = name,
                Image = image,
                Replicas = replicas,
                Service = service,
                PortMappings = mappings.ToList(),
                Description = description,
                Labels = labels.ToList(),
                Namespace = ns,
                CreateNamespace = createNs,
                ImagePullSecret = pullSecret,
                CpuRequestCores = cpu,
                MemoryRequestMiB = memory,
                Command = command,
                Arguments = args,
                RunAsPrivileged = privileged,
                EnvironmentVariables = vars.ToList(),
            };
        return gen.ToArbitrary();
    }
}

public class AppDeploymentPropertyTests
{
    [Property(Arbitrary = [typeof(WizardArbitraries)], MaxTest = 500)]
    public bool Accepted_specs_build_objects_the_apiserver_rules_accept_and_rejected_specs_raise_only_the_typed_error(AppDeploymentSpec spec)
    {
        var problems = spec.Validate();
        if (problems.Count == 0)
        {
            var manifests = spec.BuildManifests();
            var objectProblems = manifests.All.SelectMany(ApiServerRules.Check).ToList();
            objectProblems.Should().BeEmpty("spec {0} was accepted", spec);
            manifests.Deployment.Metadata.Name.Should().Be(spec.EffectiveName);
            (manifests.Service is null).Should().Be(spec.Service == AppServiceKind.None);
            return true;
        }
        problems.Should().OnlyContain(p => !string.IsNullOrEmpty(p.Field) && !string.IsNullOrEmpty(p.Message));
        var act = () => spec.BuildManifests();
        act.Should().Throw<AppDeploymentValidationException>().Which.Problems.Should().BeEquivalentTo(problems);
        return true;
    }

    [Fact]
    public void The_generator_covers_both_outcomes()
    {
        var samples = WizardArbitraries.Specs().Generator.Sample(1000).ToList();
        samples.Count(s => s.Validate().Count == 0).Should().BeGreaterThan(5);
        samples.Count(s => s.Validate().Count > 0).Should().BeGreaterThan(5);
    }
}
