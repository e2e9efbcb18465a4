using System.Text.Json.Nodes;
using Kube.Access.TestSupport;

namespace Kube.Access.Tests.TestSupport;

/// <summary>kubectl (v1.32 on PATH) for differential tests; the process handling is the shared <see cref="KubectlTool"/>.</summary>
public static class KubectlRunner
{
    public static Task<ToolResult> RunAsync(IEnumerable<string> args, string? stdin = null, string? workingDirectory = null, TimeSpan? timeout = null) =>
        KubectlTool.RunAsync(args, stdin: stdin, workingDirectory: workingDirectory, timeout: timeout);

    /// <summary>Parses a stream of JSON values (kubectl prints one per object).</summary>
    public static List<JsonObject> ParseObjects(string json) => JsonCompare.ParseObjects(json);

    /// <summary>Structural equality with numbers compared by value (1e3 == 1000).</summary>
    public static bool SameJson(JsonNode? a, JsonNode? b) => JsonCompare.Same(a, b);

    /// <summary>The repository root (where Kube.Access.sln lives).</summary>
    public static string RepoRoot() => RepoPaths.RepoRoot;

    public static string ManifestsDir() => RepoPaths.ManifestsDir;
}
