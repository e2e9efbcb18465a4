using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Kube.Access.Testing.Internal;
using Xunit;

namespace Kube.Access.Testing.Tests;

public class SelectorAndPatchTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "frontend", ["env"] = "prod" };

    [Theory]
    [InlineData("", true)]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app!=web", false)]
    [InlineData("app=web,tier=backend", false)]
    [InlineData("tier in (frontend, backend)", true)]
    [InlineData("tier notin (frontend)", false)]
    [InlineData("env", true)]
    [InlineData("!env", false)]
    [InlineData("!missing,app", true)]
    [InlineData("missing!=x", true)]
    [InlineData("missing notin (x)", true)]
    [InlineData("missing in (x)", false)]
    public void Label_selector_matches_like_the_apiserver(string selector, bool expected)
        => LabelSelector.Parse(selector).Matches(Labels).Should().Be(expected);

    [Theory]
    [InlineData("app in web")]
    [InlineData("app in (web")]
    [InlineData("app foo bar")]
    [InlineData("=x")]
    public void Malformed_label_selector_is_a_400(string selector)
    {
        var act = () => LabelSelector.Parse(selector);
        act.Should().Throw<ApiException>().Which.Code.Should().Be(400);
    }

    [Fact]
    public void Field_selector_supports_name_namespace_phase_and_node_only()
    {
        var pod = StoredObject.FromNode(JsonNode.Parse("""{"metadata":{"name":"p","namespace":"ns"},"spec":{"nodeName":"n1"},"status":{"phase":"Running"}}""")!.AsObject());
        FieldSelector.Parse("metadata.name=p,status.phase=Running", ResourceCatalog.Pods).Matches(pod).Should().BeTrue();
        FieldSelector.Parse("spec.nodeName!=n1", ResourceCatalog.Pods).Matches(pod).Should().BeFalse();
        FieldSelector.Parse("metadata.namespace==ns", ResourceCatalog.Pods).Matches(pod).Should().BeTrue();
        var act = () => FieldSelector.Parse("status.phase=Running", ResourceCatalog.Services);
        act.Should().Throw<ApiException>().Which.Message.Should().Be("field label not supported: status.phase");
    }

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void Merge_patch_follows_rfc_7386()
    {
        var target = Obj("""{"a":"b","c":{"d":"e","f":"g"},"list":[1,2]}""");
        var result = Patching.Apply(target, "application/merge-patch+json", Encoding.UTF8.GetBytes("""{"a":"z","c":{"f":null},"list":[3]}"""));
        result.ToJsonString().Should().Be("""{"a":"z","c":{"d":"e"},"list":[3]}""");
        target["a"]!.GetValue<string>().Should().Be("b", "the target is not modified");
    }

    [Fact]
    public void Strategic_merge_merges_containers_by_name_and_honours_delete()
    {
        var target = Obj("""{"spec":{"containers":[{"name":"a","image":"a:1","ports":[{"containerPort":80}]},{"name":"b","image":"b:1"}],"finalizers":["x"]},"metadata":{"finalizers":["one"]}}""");
        var patch = """{"spec":{"containers":[{"name":"a","image":"a:2","ports":[{"containerPort":443}]},{"name":"b","$patch":"delete"},{"name":"c","image":"c:1"}]},"metadata":{"finalizers":["two"]},"$setElementOrder/containers":[{"name":"a"}]}""";
        var result = Patching.Apply(target, "application/strategic-merge-patch+json", Encoding.UTF8.GetBytes(patch));
        var containers = result["spec"]!["containers"]!.AsArray();
        containers.Select(c => (string)c!["name"]!).Should().Equal("a", "c");
        ((string)containers[0]!["image"]!).Should().Be("a:2");
        containers[0]!["ports"]!.AsArray().Select(p => (int)p!["containerPort"]!).Should().Equal(80, 443);
        result["metadata"]!["finalizers"]!.AsArray().Select(f => (string)f!).Should().Equal("one", "two");
        result.ContainsKey("$setElementOrder/containers").Should().BeFalse();
    }

    [Fact]
    public void Json_patch_applies_operations_and_fails_a_test()
    {
        var target = Obj("""{"metadata":{"labels":{"a":"1"}},"spec":{"replicas":1,"list":[1,2,3]}}""");
        var ops = """[{"op":"replace","path":"/spec/replicas","value":3},{"op":"add","path":"/metadata/labels/b~1c","value":"2"},{"op":"remove","path":"/spec/list/0"},{"op":"add","path":"/spec/list/-","value":4}]""";
        var result = Patching.Apply(target, "application/json-patch+json", Encoding.UTF8.GetBytes(ops));
        result.ToJsonString().Should().Be("""{"metadata":{"labels":{"a":"1","b/c":"2"}},"spec":{"replicas":3,"list":[2,3,4]}}""");

        var failing = () => Patching.Apply(target, "application/json-patch+json", Encoding.UTF8.GetBytes("""[{"op":"test","path":"/spec/replicas","value":9}]"""));
        failing.Should().Throw<ApiException>().Which.Code.Should().Be(422);
        var unknown = () => Patching.Apply(target, "application/apply-patch+yaml", Encoding.UTF8.GetBytes("x: 1"));
        unknown.Should().Throw<ApiException>().Which.Code.Should().Be(415);
    }

    [Theory]
    [InlineData("Dns1123Label", "my-name", true)]
    [InlineData("Dns1123Label", "my.name", false)]
    [InlineData("Dns1123Subdomain", "my.name", true)]
    [InlineData("Dns1123Subdomain", "My_Name", false)]
    [InlineData("Dns1035Label", "1abc", false)]
    [InlineData("Dns1035Label", "abc-1", true)]
    [InlineData("Dns1123Label", "a-very-long-name-that-goes-beyond-the-sixty-three-character-limit-x", false)]
    public void Names_follow_the_dns_rules(string rule, string name, bool valid)
        => (Validation.CheckName(Enum.Parse<NameRule>(rule), name).Count == 0).Should().Be(valid);
}
