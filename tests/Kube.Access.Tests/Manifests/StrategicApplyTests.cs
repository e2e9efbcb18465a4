using System.Text.Json.Nodes;
using FluentAssertions;
using Kube.Access.Manifests;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Tests.Manifests;

public sealed class StrategicApplyTests
{
    private const string V1 = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: app
          labels: {app: demo, stage: v1}
        spec:
          replicas: 2
          selector: {matchLabels: {app: demo}}
          template:
            metadata: {labels: {app: demo}}
            spec:
              volumes:
              - name: data
                emptyDir: {}
              - name: cache
                emptyDir: {}
              containers:
              - name: web
                image: nginx:1.27
                env:
                - {name: A, value: "1"}
                - {name: B, value: "2"}
                ports:
                - containerPort: 80
                - containerPort: 443
                volumeMounts:
                - {name: data, mountPath: /data}
                - {name: cache, mountPath: /cache}
              - name: sidecar
                image: busybox:1.36
                command: [sleep, "3600"]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: app
        spec:
          selector: {app: demo}
          ports:
          - {name: http, port: 80, targetPort: 80}
          - {name: https, port: 443, targetPort: 443}
        """;

    private const string V2 = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: app
          labels: {app: demo}
        spec:
          replicas: 2
          selector: {matchLabels: {app: demo}}
          template:
            metadata: {labels: {app: demo}}
            spec:
              volumes:
              - name: data
                emptyDir: {}
              containers:
              - name: web
                image: nginx:1.27
                env:
                - {name: A, value: "10"}
                - {name: C, value: "3"}
                ports:
                - containerPort: 80
                - containerPort: 8080
                volumeMounts:
                - {name: data, mountPath: /data}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: app
        spec:
          selector: {app: demo}
          ports:
          - {name: http, port: 80, targetPort: 8080}
        """;

    private const string Injected = """{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"INJECTED","value":"yes"}]}]}}}}""";

    [Fact]
    public async Task Apply_v1_then_v2_with_a_third_party_change_in_between_matches_kubectl()
    {
        await using var theirs = await EmulatorSession.StartAsync();
        await using var ours = await EmulatorSession.StartAsync();
        using var applier = new ManifestApplier(ours.Connection);
        var v1 = Path.Combine(theirs.TempDir, "v1.yaml");
        var v2 = Path.Combine(theirs.TempDir, "v2.yaml");
        await File.WriteAllTextAsync(v1, V1);
        await File.WriteAllTextAsync(v2, V2);

        var k1 = await theirs.Kubectl("apply", "-f", v1);
        k1.ExitCode.Should().Be(0, k1.StdErr);
        (await applier.ApplyAsync([ManifestSource.FromFile(v1)])).Succeeded.Should().BeTrue();

        // Someone else changes the live objects between the applies, the same way on both sides.
        foreach (var session in new[] { theirs, ours })
        {
            (await session.Kubectl("patch", "deployment", "app", "--type", "strategic", "-p", Injected)).ExitCode.Should().Be(0);
            (await session.Kubectl("annotate", "deployment", "app", "team=blue")).ExitCode.Should().Be(0);
        }

        var k2 = await theirs.Kubectl("apply", "-f", v2);
        k2.ExitCode.Should().Be(0, k2.StdErr);
        var result = await applier.ApplyAsync([ManifestSource.FromFile(v2)]);
        result.Succeeded.Should().BeTrue(string.Join("; ", result.Failures));
        result.Objects.Select(o => o.ToString()).Should().Equal(k2.StdOut.Trim().Split('\n').Select(l => l.Trim()));

        foreach (var resource in new[] { "deployment", "service" })
        {
            var theirObject = EmulatorSession.Comparable(await theirs.GetJson(resource, "app"));
            var ourObject = EmulatorSession.Comparable(await ours.GetJson(resource, "app"));
            JsonCompare.Same(ourObject, theirObject).Should().BeTrue($"{resource}\nours    {ourObject.ToJsonString()}\nkubectl {theirObject.ToJsonString()}");
        }

        // What that means: removed entries are gone, changed ones changed, the third party's additions survive.
        var deployment = await ours.GetJson("deployment", "app");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var web = pod["containers"]!.AsArray().Single()!;
        web["name"]!.GetValue<string>().Should().Be("web");
        web["env"]!.AsArray().Select(e => $"{e!["name"]}={e["value"]}").Should().BeEquivalentTo("A=10", "C=3", "INJECTED=yes");
        web["ports"]!.AsArray().Select(p => p!["containerPort"]!.GetValue<int>()).Should().BeEquivalentTo([80, 8080]);
        web["volumeMounts"]!.AsArray().Select(m => m!["mountPath"]!.GetValue<string>()).Should().Equal("/data");
        pod["volumes"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()).Should().Equal("data");
        deployment["metadata"]!["labels"]!.AsObject().Select(l => l.Key).Should().Equal("app");
        deployment["metadata"]!["annotations"]!["team"]!.GetValue<string>().Should().Be("blue");
        var service = await ours.GetJson("service", "app");
        service["spec"]!["ports"]!.AsArray().Select(p => $"{p!["port"]}->{p["targetPort"]}").Should().Equal("80->8080");

        // The patch went out as a strategic merge patch, like kubectl's.
        var ourPatches = ours.Api.Requests.Where(r => r.Method == "PATCH" && !r.Headers.GetValueOrDefault("user-agent", "").StartsWith("kubectl", StringComparison.Ordinal)).ToList();
        ourPatches.Should().HaveCount(2);
        ourPatches.Should().OnlyContain(r => r.Headers["content-type"].StartsWith(StrategicMergePatch.ContentType, StringComparison.Ordinal));
    }

    private const string PodV1 = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: app
          labels: {app: demo}
          finalizers: [example.com/keep]
        spec:
          containers:
          - name: web
            image: nginx:1.27
            env:
            - {name: A, value: "1"}
            - {name: B, value: "2"}
        """;

    private const string PodV2 = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: app
          labels: {app: demo, tier: web}
        spec:
          containers:
          - name: web
            image: nginx:1.28
            env:
            - {name: B, value: "2"}
            - {name: A, value: "1"}
            - {name: D, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
          - name: logger
            image: busybox:1.36
            args: [sh, -c, "tail -f /dev/null"]
        """;

    public static TheoryData<string, string, string, bool> Scenarios => new()
    {
        // kind, v1, v2, whether v1 is created without apply (no last-applied annotation: kubectl warns and patches)
        { "pod", PodV1, PodV2, false },
        { "pod", PodV1, PodV2, true },
        { "deployment", V1, V2, true },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Apply_v2_over_v1_gives_the_object_kubectl_gives(string resource, string v1Text, string v2Text, bool createFirst)
    {
        await using var theirs = await EmulatorSession.StartAsync();
        await using var ours = await EmulatorSession.StartAsync();
        using var applier = new ManifestApplier(ours.Connection);
        var v1 = Path.Combine(theirs.TempDir, "v1.yaml");
        var v2 = Path.Combine(theirs.TempDir, "v2.yaml");
        await File.WriteAllTextAsync(v1, v1Text);
        await File.WriteAllTextAsync(v2, v2Text);

        foreach (var session in new[] { theirs, ours })
        {
            var first = createFirst ? await session.Kubectl("create", "-f", v1) : await session.Kubectl("apply", "-f", v1);
            first.ExitCode.Should().Be(0, first.StdErr);
        }

        var k2 = await theirs.Kubectl("apply", "-f", v2);
        k2.ExitCode.Should().Be(0, k2.StdErr);
        var result = await applier.ApplyAsync([ManifestSource.FromFile(v2)]);
        result.Succeeded.Should().BeTrue(string.Join("; ", result.Failures));
        result.Objects.Select(o => o.ToString()).Should().Equal(k2.StdOut.Trim().Split('\n').Select(l => l.Trim()));

        var theirObject = EmulatorSession.Comparable(await theirs.GetJson(resource, "app"));
        var ourObject = EmulatorSession.Comparable(await ours.GetJson(resource, "app"));
        JsonCompare.Same(ourObject, theirObject).Should().BeTrue($"ours    {ourObject.ToJsonString()}\nkubectl {theirObject.ToJsonString()}");

        // And a third apply of v2 is a no-op for both.
        (await applier.ApplyAsync([ManifestSource.FromFile(v2)])).Objects.Should().OnlyContain(o => o.Action == ApplyAction.Unchanged);
    }

    [Fact]
    public void The_patch_deletes_removed_items_by_merge_key_and_sends_only_changes()
    {
        var v1 = ManifestParser.Parse(V1, "v1").First().Object;
        var v2 = ManifestParser.Parse(V2, "v2").First().Object;
        var original = ApplyPatch.WithLastApplied(v1);
        var current = (JsonObject)original.DeepClone();
        var webEnv = current["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        webEnv.Add(new JsonObject { ["name"] = "INJECTED", ["value"] = "yes" });
        var modified = ApplyPatch.WithLastApplied(v2);

        var patch = StrategicMergePatch.ThreeWay(ApplyPatch.LastApplied(original), modified, current);

        patch["metadata"]!["labels"]!["stage"].Should().BeNull();
        patch["metadata"]!["labels"]!.AsObject().ContainsKey("stage").Should().BeTrue("a removed label is deleted with null");
        patch["spec"]!.AsObject().ContainsKey("replicas").Should().BeFalse("unchanged fields are not sent");
        var podSpec = patch["spec"]!["template"]!["spec"]!;
        var containers = podSpec["containers"]!.AsArray();
        containers.Should().ContainSingle(c => c!["$patch"] != null && c["$patch"]!.GetValue<string>() == "delete" && c["name"]!.GetValue<string>() == "sidecar");
        var web = containers.Single(c => c!["name"]!.GetValue<string>() == "web")!;
        web.AsObject().ContainsKey("image").Should().BeFalse();
        var env = web["env"]!.AsArray().Select(e => e!.ToJsonString()).ToList();
        env.Should().Contain("""{"$patch":"delete","name":"B"}""").And.Contain("""{"name":"A","value":"10"}""").And.Contain("""{"name":"C","value":"3"}""");
        env.Should().NotContain(e => e.Contains("INJECTED"), "what another writer added is left alone");
        web["ports"]!.AsArray().Select(p => p!.ToJsonString()).Should().Contain("""{"$patch":"delete","containerPort":443}""").And.Contain("""{"containerPort":8080}""");
        web["volumeMounts"]!.AsArray().Select(p => p!.ToJsonString()).Should().Equal("""{"$patch":"delete","mountPath":"/cache"}""");
        podSpec["volumes"]!.AsArray().Select(p => p!.ToJsonString()).Should().Equal("""{"$patch":"delete","name":"cache"}""");

        StrategicMergePatch.ThreeWay(ApplyPatch.LastApplied(modified), modified, modified).Should().BeEmpty("re-applying the same manifest changes nothing");
    }

    [Theory]
    [InlineData("Deployment", "spec.template.spec.containers", "name")]
    [InlineData("Pod", "spec.containers", "name")]
    [InlineData("Pod", "spec.containers.env", "name")]
    [InlineData("Pod", "spec.containers.ports", "containerPort")]
    [InlineData("Pod", "spec.containers.volumeMounts", "mountPath")]
    [InlineData("Pod", "spec.volumes", "name")]
    [InlineData("CronJob", "spec.jobTemplate.spec.template.spec.initContainers", "name")]
    [InlineData("Service", "spec.ports", "port")]
    [InlineData("Pod", "spec.tolerations", null)]
    [InlineData("Pod", "spec.containers.args", null)]
    [InlineData("Endpoints", "subsets.ports", null)]
    [InlineData("Deployment", "spec.volumes", null)]
    public void Merge_keys_follow_the_built_in_types(string kind, string path, string? key) =>
        StrategicMergePatch.MergeKey(kind, path.Split('.')).Should().Be(key);

    [Fact]
    public async Task Built_in_groups_are_patched_strategically_and_removed_keys_are_deleted()
    {
        StrategicMergePatch.IsBuiltInGroup("apps").Should().BeTrue();
        StrategicMergePatch.IsBuiltInGroup("").Should().BeTrue();
        StrategicMergePatch.IsBuiltInGroup("example.com").Should().BeFalse();

        // A built-in kind in the emulator: a ConfigMap update goes out strategic.
        await using var s = await EmulatorSession.StartAsync();
        using var applier = new ManifestApplier(s.Connection);
        await applier.ApplyAsync([ManifestSource.FromText("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: \"1\"}\n")]);
        (await applier.ApplyAsync([ManifestSource.FromText("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {b: \"2\"}\n")])).Objects.Single().Action.Should().Be(ApplyAction.Configured);
        var cm = await s.GetJson("configmap", "c");
        cm["data"]!.AsObject().Select(p => p.Key).Should().Equal("b");
        s.Api.Requests.Single(r => r.Method == "PATCH").Headers["content-type"].Should().StartWith(StrategicMergePatch.ContentType);
    }
}
