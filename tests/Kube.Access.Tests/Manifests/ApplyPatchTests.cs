using System.Text.Json.Nodes;
using FluentAssertions;
using Kube.Access.Manifests;
using Xunit;

namespace Kube.Access.Tests.Manifests;

public class ApplyPatchTests
{
    private static JsonObject J(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void Last_applied_is_the_object_without_itself_sorted_compact_with_empty_annotations_and_a_newline()
    {
        var applied = ApplyPatch.WithLastApplied(J("""{"kind":"Service","apiVersion":"v1","metadata":{"name":"mongo","namespace":"default"},"spec":{"ports":[{"port":27017,"targetPort":27017}]}}"""));
        applied["metadata"]!["annotations"]![ApplyPatch.LastAppliedAnnotation]!.GetValue<string>().Should().Be(
            "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"annotations\":{},\"name\":\"mongo\",\"namespace\":\"default\"},\"spec\":{\"ports\":[{\"port\":27017,\"targetPort\":27017}]}}\n");
    }

    [Fact]
    public void Go_json_escapes_html_characters_and_keeps_unicode()
    {
        ApplyPatch.GoJson(J("""{"b":"<a&b>","a":"안녕하세요","c":1.5,"d":true,"e":null,"f":["x\n"]}"""))
            .Should().Be("{\"a\":\"안녕하세요\",\"b\":\"\\u003ca\\u0026b\\u003e\",\"c\":1.5,\"d\":true,\"e\":null,\"f\":[\"x\\n\"]}");
    }

    [Fact]
    public void Reapplying_the_same_object_is_an_empty_patch_even_with_server_defaults()
    {
        var modified = ApplyPatch.WithLastApplied(J("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}"""));
        var live = (JsonObject)modified.DeepClone();
        live["metadata"]!["uid"] = "123";
        live["spec"]!["template"]!["spec"]!["containers"]![0]!["imagePullPolicy"] = "Always";
        live["status"] = J("""{"replicas":2}""");
        ApplyPatch.ThreeWay(ApplyPatch.LastApplied(live), modified, live).Should().BeEmpty();
    }

    [Fact]
    public void Changed_fields_are_set_removed_fields_deleted_and_server_fields_kept()
    {
        var first = ApplyPatch.WithLastApplied(J("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","labels":{"a":"1","b":"2"}},"spec":{"ports":[{"port":80}]}}"""));
        var live = (JsonObject)first.DeepClone();
        live["spec"]!["clusterIP"] = "10.0.0.1";
        live["metadata"]!["labels"]!["server"] = "x";
        var second = ApplyPatch.WithLastApplied(J("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","labels":{"a":"9"}},"spec":{"ports":[{"port":81}]}}"""));
        var patch = ApplyPatch.ThreeWay(ApplyPatch.LastApplied(live), second, live);
        patch["metadata"]!["labels"]!.ToJsonString().Should().Be("""{"a":"9","b":null}""");
        patch["spec"]!.ToJsonString().Should().Be("""{"ports":[{"port":81}]}""");
        patch["metadata"]!["annotations"]![ApplyPatch.LastAppliedAnnotation].Should().NotBeNull();
        patch.ContainsKey("status").Should().BeFalse();
    }

    [Fact]
    public void A_list_entry_removed_since_the_last_apply_replaces_the_list()
    {
        var first = ApplyPatch.WithLastApplied(J("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i","env":[{"name":"A","value":"1"}]}]}}"""));
        var second = ApplyPatch.WithLastApplied(J("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}"""));
        var patch = ApplyPatch.ThreeWay(ApplyPatch.LastApplied(first), second, first);
        patch["spec"]!["containers"]!.ToJsonString().Should().Be("""[{"name":"c","image":"i"}]""");
    }

    [Fact]
    public void Without_last_applied_nothing_is_deleted()
    {
        var live = J("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","labels":{"old":"1"}},"spec":{"ports":[{"port":80}]}}""");
        var modified = ApplyPatch.WithLastApplied(J("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}"""));
        var patch = ApplyPatch.ThreeWay(null, modified, live);
        patch["metadata"]!.AsObject().ContainsKey("labels").Should().BeFalse();
        patch["metadata"]!["annotations"].Should().NotBeNull();
        patch.ContainsKey("spec").Should().BeFalse();
    }
}
