using Kube.Access.TestSupport;

namespace Kube.Access.Images.Tests.Infrastructure;

/// <summary>The real kubectl (v1.32 on PATH) with an isolated, empty kubeconfig location; the shared <see cref="KubectlTool"/> does the work.</summary>
public static class Kubectl
{
    public static Task<ToolResult> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default, string? kubeconfig = null) =>
        KubectlTool.RunAsync(args, kubeconfigVariable: kubeconfig, timeout: TimeSpan.FromMinutes(5), cancellationToken: cancellationToken);
}
