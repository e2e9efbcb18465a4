using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Kube.Access.Images;

namespace Kube.Access.Benchmarks.Images;

/// <summary>
/// The guide's template <c>{.items[*].spec.containers[*].image}</c> and its per-pod range template over one
/// 500-pod page (kubectl's chunk size): our compiled template vs the hand-written code one would otherwise
/// write with System.Text.Json (JsonNode DOM walk and string joins, the baseline).
/// </summary>
[MemoryDiagnoser]
public class JsonPathBenchmarks
{
    private JsonDocument _document = null!;
    private string _json = null!;
    private JsonPathTemplate _images = null!;
    private JsonPathTemplate _perPod = null!;
    private readonly ArrayBufferWriter<byte> _output = new(1 << 16);

    [GlobalSetup]
    public void Setup()
    {
        var items = new JsonArray();
        string[] images = ["nginx:1.14.2", "busybox:1.36", "registry.k8s.io/coredns/coredns:v1.11.3", "python:3.12-slim", "mongo:7.0", "redis:7.2"];
        for (int i = 0; i < 500; i++)
        {
            var containers = new JsonArray();
            for (int c = 0; c < 1 + (i % 3); c++)
            {
                containers.Add(new JsonObject
                {
                    ["name"] = "c" + c,
                    ["image"] = images[(i + c) % images.Length],
                    ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 8080 + c, ["protocol"] = "TCP" }),
                    ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "64Mi" } },
                });
            }

            items.Add(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["metadata"] = new JsonObject { ["name"] = $"pod-{i:D5}", ["namespace"] = "team-" + (i % 20), ["labels"] = new JsonObject { ["app"] = "app-" + (i % 40) } },
                ["spec"] = new JsonObject { ["nodeName"] = "node-" + (i % 10), ["containers"] = containers },
                ["status"] = new JsonObject { ["phase"] = "Running", ["podIP"] = "198.51.100." + (i % 250) },
            });
        }

        _json = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "PodList", ["metadata"] = new JsonObject(), ["items"] = items }.ToJsonString();
        _document = JsonDocument.Parse(_json);
        _images = JsonPathTemplate.Parse("{.items[*].spec.containers[*].image}");
        _perPod = JsonPathTemplate.Parse("""{range .items[*]}{"\n"}{.metadata.name}{":\t"}{range .spec.containers[*]}{.image}{", "}{end}{end}""");
        if (Images_Ours() != Images_HandWritten())
        {
            throw new InvalidOperationException("the baseline and the template disagree");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _document.Dispose();

    [Benchmark(Baseline = true, Description = "images: hand-written JsonNode walk")]
    public int Images_HandWrittenJsonNode()
    {
        var root = JsonNode.Parse(_json)!;
        var parts = new List<string>();
        foreach (var item in root["items"]!.AsArray())
        {
            foreach (var container in item!["spec"]!["containers"]!.AsArray())
            {
                parts.Add((string)container!["image"]!);
            }
        }

        return string.Join(' ', parts).Length;
    }

    [Benchmark(Description = "images: hand-written JsonElement walk")]
    public int Images_HandWrittenElement() => Images_HandWritten().Length;

    [Benchmark(Description = "images: JsonPathTemplate (parsed doc)")]
    public int Images_Template()
    {
        _output.ResetWrittenCount();
        _images.Evaluate(_document.RootElement, _output);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "images: JsonPathTemplate (parse + evaluate)")]
    public int Images_TemplateIncludingParse()
    {
        using var document = JsonDocument.Parse(_json);
        _output.ResetWrittenCount();
        _images.Evaluate(document.RootElement, _output);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "per pod: hand-written JsonNode walk")]
    public int PerPod_HandWrittenJsonNode()
    {
        var root = JsonNode.Parse(_json)!;
        var sb = new StringBuilder();
        foreach (var item in root["items"]!.AsArray())
        {
            sb.Append('\n').Append((string)item!["metadata"]!["name"]!).Append(":\t");
            foreach (var container in item["spec"]!["containers"]!.AsArray())
            {
                sb.Append((string)container!["image"]!).Append(", ");
            }
        }

        return sb.Length;
    }

    [Benchmark(Description = "per pod: JsonPathTemplate range (parsed doc)")]
    public int PerPod_Template()
    {
        _output.ResetWrittenCount();
        _perPod.Evaluate(_document.RootElement, _output);
        return _output.WrittenCount;
    }

    private string Images_HandWritten()
    {
        var parts = new List<string>();
        foreach (var item in _document.RootElement.GetProperty("items").EnumerateArray())
        {
            foreach (var container in item.GetProperty("spec").GetProperty("containers").EnumerateArray())
            {
                parts.Add(container.GetProperty("image").GetString()!);
            }
        }

        return string.Join(' ', parts);
    }

    private string Images_Ours()
    {
        _output.ResetWrittenCount();
        _images.Evaluate(_document.RootElement, _output);
        return Encoding.UTF8.GetString(_output.WrittenSpan);
    }
}
