using Kube.Access.TestSupport;

namespace Kube.Access.IntegrationTests.Emulator;

/// <summary>kubectl (v1.32 on PATH) with a kubeconfig and optional stdin; the shared <see cref="KubectlTool"/> does the work.</summary>
internal static class KubectlRunner
{
    public static async Task<(string Stdout, string Stderr, int ExitCode)> RunAsync(string kubeconfig, string? stdin, params string[] args)
    {
        var result = await KubectlTool.RunAsync(args, kubeconfig: kubeconfig, stdin: stdin);
        return (result.Stdout, result.Stderr, result.ExitCode);
    }
}
