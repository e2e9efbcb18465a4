using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using k8s.Models;

namespace Kube.Access.Images.Tests.JsonPath;

public sealed class JsonPathTemplateTests
{
    private static string Eval(string template, string json)
    {
        using var doc = JsonDocument.Parse(json);
        return JsonPathTemplate.Parse(template).Evaluate(doc.RootElement);
    }

    [Fact]
    public void Parse_error_carries_template_and_position()
    {
        var act = () => JsonPathTemplate.Parse("{.items[0}");
        var e = act.Should().Throw<JsonPathException>().Which;
        e.IsParseError.Should().BeTrue();
        e.Template.Should().Be("{.items[0}");
        e.Position.Should().Be(7, "the unterminated '[' starts at offset 7");
        e.Reason.Should().Be("unterminated array");
        e.Should().BeAssignableTo<KubeAccessException>();
    }

    [Fact]
    public void Error_inside_a_filter_points_into_the_filter()
    {
        var e = FluentActions.Invoking(() => JsonPathTemplate.Parse("abc{.a[?(@.x=#)]}")).Should().Throw<JsonPathException>().Which;
        e.Position.Should().BeGreaterThan(3).And.BeLessThan(16);
    }

    [Fact]
    public void Evaluation_error_is_typed_and_nothing_is_written()
    {
        var template = JsonPathTemplate.Parse("before {.a[5]} after");
        using var doc = JsonDocument.Parse("""{"a":[1,2]}""");
        var output = new ArrayBufferWriter<byte>();
        output.Write("kept"u8);
        var e = FluentActions.Invoking(() => template.Evaluate(doc.RootElement, output)).Should().Throw<JsonPathException>().Which;
        e.IsParseError.Should().BeFalse();
        e.Reason.Should().Be("array index out of bounds: index 5, length 2");
        Encoding.UTF8.GetString(output.WrittenSpan).Should().Be("kept");
    }

    [Fact]
    public void Missing_keys_are_empty_by_default_and_errors_when_disallowed()
    {
        Eval("[{.a.b}]", """{"a":{}}""").Should().Be("[]");
        using var doc = JsonDocument.Parse("""{"a":{}}""");
        var strict = JsonPathTemplate.Parse("{.a.b}", allowMissingKeys: false);
        strict.AllowMissingKeys.Should().BeFalse();
        FluentActions.Invoking(() => strict.Evaluate(doc.RootElement)).Should().Throw<JsonPathException>()
            .Which.Reason.Should().Be("b is not found");
    }

    [Fact]
    public void Results_of_one_action_are_space_joined_and_maps_print_as_go_json()
    {
        Eval("{.a[*]}|{.m}", """{"a":["x","y",3],"m":{"z":1,"b":"<&>","a":[true,null,1.5]}}""")
            .Should().Be("""x y 3|{"a":[true,null,1.5],"b":"\u003c\u0026\u003e","z":1}""");
    }

    [Fact]
    public void Range_iterates_and_literals_are_unquoted()
    {
        Eval("""{range .items[*]}{.name}{"\t"}{.v}{"\n"}{end}""", """{"items":[{"name":"a","v":1},{"name":"b","v":2.5}]}""")
            .Should().Be("a\t1\nb\t2.5\n");
    }

    [Fact]
    public void Works_on_json_nodes_and_kubernetes_models()
    {
        var node = JsonNode.Parse("""{"metadata":{"name":"n1"}}""");
        JsonPathTemplate.Parse("{.metadata.name}").Evaluate(node).Should().Be("n1");
        JsonPathTemplate.Parse("[{.a}]").Evaluate((JsonNode?)null).Should().Be("[]");

        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx:1.25" }, new V1Container { Name = "d", Image = "busybox" }] },
        };
        JsonPathTemplate.Parse("{.metadata.namespace}/{.metadata.name}: {.spec.containers[*].image}").Evaluate(pod)
            .Should().Be("shop/web: nginx:1.25 busybox");
        var list = new V1PodList { Items = [pod, pod] };
        JsonPathTemplate.Parse("{.items[*].metadata.name}").Evaluate(list).Should().Be("web web");
    }

    [Fact]
    public void A_compiled_template_is_reusable_across_documents_and_threads()
    {
        var template = JsonPathTemplate.Parse("{range .items[*]}{.n},{end}");
        Parallel.For(0, 64, i =>
        {
            using var doc = JsonDocument.Parse($$"""{"items":[{"n":{{i}}},{"n":"x"}]}""");
            template.Evaluate(doc.RootElement).Should().Be($"{i},x,");
        });
    }
}
