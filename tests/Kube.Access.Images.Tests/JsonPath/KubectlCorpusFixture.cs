using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Kube.Access.Images.Tests.Infrastructure;
using Kube.Access.TestSupport;

namespace Kube.Access.Images.Tests.JsonPath;

/// <summary>
/// Evaluates every corpus template with kubectl once (in parallel batches), offline:
/// <c>kubectl label --local -f DOC.json z=1 -o jsonpath=TEMPLATE</c>.
/// </summary>
public sealed class KubectlCorpusFixture : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kube-access-jp-" + Guid.NewGuid().ToString("N"));

    public ConcurrentDictionary<(string Doc, string Template), ToolResult> Results { get; } = new();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        foreach (var doc in Corpus.All.Select(c => c.Document).Distinct())
        {
            await File.WriteAllTextAsync(Path.Combine(_dir, doc + ".json"), Documents.Get(doc));
        }

        var cases = Corpus.All.Select(c => (c.Document, c.Template)).Distinct().ToList();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (item, ct) =>
        {
            var result = await KubectlTool.RunAsync(
                ["label", "--local", "-f", Path.Combine(_dir, item.Document + ".json"), "z=1", "-o", "jsonpath=" + item.Template], timeout: TimeSpan.FromMinutes(5), cancellationToken: ct);
            Results[item] = result;
        });
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    /// <summary>The objects kubectl evaluates: the document (or each List item) with the label z=1 added.</summary>
    public static IReadOnlyList<JsonNode> LabelledObjects(string document)
    {
        var root = JsonNode.Parse(Documents.Get(document))!;
        var kind = root["kind"]!.GetValue<string>();
        var objects = kind.EndsWith("List", StringComparison.Ordinal)
            ? root["items"]!.AsArray().Select(i => i!.DeepClone()).ToList()
            : [root];
        foreach (var o in objects)
        {
            var metadata = o["metadata"]!.AsObject();
            if (metadata["labels"] is not JsonObject labels)
            {
                labels = new JsonObject();
                metadata["labels"] = labels;
            }

            labels["z"] = "1";
        }

        return objects;
    }
}
