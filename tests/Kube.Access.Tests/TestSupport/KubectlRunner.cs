using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kube.Access.Tests.TestSupport;

/// <summary>Runs the kubectl on PATH (v1.32) for differential tests.</summary>
public static class KubectlRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static async Task<Result> RunAsync(IEnumerable<string> args, string? stdin = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["KUBECONFIG"] = Path.Combine(Path.GetTempPath(), "kube-access-tests-no-kubeconfig");
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("kubectl did not start");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("kubectl " + string.Join(' ', psi.ArgumentList) + " did not finish");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Parses a stream of JSON values (kubectl prints one per object).</summary>
    public static List<JsonObject> ParseObjects(string json)
    {
        var list = new List<JsonObject>();
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        var offset = 0;
        while (true)
        {
            while (offset < bytes.Length && char.IsWhiteSpace((char)bytes[offset])) offset++;
            if (offset >= bytes.Length) break;
            var reader = new Utf8JsonReader(bytes.AsSpan(offset));
            var node = JsonNode.Parse(ref reader)!.AsObject();
            if (node["kind"]?.GetValue<string>() == "List" && node["items"] is JsonArray items)
                list.AddRange(items.Select(i => i!.AsObject()));
            else list.Add(node);
            offset += (int)reader.BytesConsumed;
        }
        return list;
    }

    /// <summary>Structural equality with numbers compared by value (1e3 == 1000).</summary>
    public static bool SameJson(JsonNode? a, JsonNode? b)
    {
        switch (a)
        {
            case null: return b is null;
            case JsonObject oa:
                if (b is not JsonObject ob || oa.Count != ob.Count) return false;
                foreach (var (k, v) in oa)
                    if (!ob.TryGetPropertyValue(k, out var bv) || !SameJson(v, bv)) return false;
                return true;
            case JsonArray aa:
                if (b is not JsonArray ab || aa.Count != ab.Count) return false;
                for (var i = 0; i < aa.Count; i++) if (!SameJson(aa[i], ab[i])) return false;
                return true;
            case JsonValue va:
                if (b is not JsonValue vb) return false;
                if (va.GetValueKind() == JsonValueKind.Number && vb.GetValueKind() == JsonValueKind.Number)
                    return Math.Abs(ToDouble(va) - ToDouble(vb)) <= 1e-9 * Math.Max(1, Math.Abs(ToDouble(va)));
                return JsonNode.DeepEquals(va, vb);
        }
        return false;
    }

    private static double ToDouble(JsonValue v) => double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The repository root (where Kube.Access.sln lives).</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kube.Access.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public static string ManifestsDir() => Path.Combine(RepoRoot(), "samples", "manifests");
}
