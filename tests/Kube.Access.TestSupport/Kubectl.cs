namespace Kube.Access.TestSupport;

/// <summary>
/// Runs the reference kubectl (v1.32 on PATH) for differential tests, isolated from the machine's
/// own configuration: <c>KUBECONFIG</c> points at the given file (or at nothing) and <c>HOME</c> at a
/// fresh directory, so neither <c>~/.kube/config</c> nor a discovery cache leaks between tests.
/// </summary>
public static class KubectlTool
{
    /// <summary>The kubectl executable: <c>KUBE_ACCESS_KUBECTL</c> when set, else <c>kubectl</c> on PATH.</summary>
    public static string Executable => System.Environment.GetEnvironmentVariable("KUBE_ACCESS_KUBECTL") is { Length: > 0 } path ? path : "kubectl";

    /// <summary>
    /// Runs kubectl with <paramref name="arguments"/>. With <paramref name="kubeconfig"/> it is passed as
    /// <c>--kubeconfig</c>; <paramref name="kubeconfigVariable"/> sets the <c>KUBECONFIG</c> list instead
    /// (for merge tests); with neither, kubectl sees no configuration at all.
    /// </summary>
    public static async Task<ToolResult> RunAsync(
        IEnumerable<string> arguments,
        string? kubeconfig = null,
        string? stdin = null,
        string? kubeconfigVariable = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var home = TempHome.Create("kube-access-kubectl-home-");
        try
        {
            return await ToolProcess.RunAsync(Run(arguments, kubeconfig, kubeconfigVariable, home, workingDirectory, stdin, timeout, environment), cancellationToken);
        }
        finally
        {
            TempHome.Delete(home);
        }
    }

    /// <summary>
    /// A <see cref="ToolRun"/> for kubectl with the same isolation as <see cref="RunAsync"/>, for long-running
    /// commands started with <see cref="ToolProcess.Start"/> (the caller deletes <paramref name="home"/>).
    /// </summary>
    public static ToolRun Run(
        IEnumerable<string> arguments,
        string? kubeconfig,
        string? kubeconfigVariable,
        string home,
        string? workingDirectory = null,
        string? stdin = null,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var argv = new List<string>();
        if (kubeconfig is not null)
        {
            argv.Add("--kubeconfig");
            argv.Add(kubeconfig);
        }

        argv.AddRange(arguments);
        return new ToolRun
        {
            FileName = Executable,
            Arguments = argv,
            Stdin = stdin is null ? null : System.Text.Encoding.UTF8.GetBytes(stdin),
            WorkingDirectory = workingDirectory,
            Timeout = timeout ?? TimeSpan.FromMinutes(3),
            Environment = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>())
            {
                ["KUBECONFIG"] = kubeconfigVariable ?? kubeconfig ?? Path.Combine(home, "no-kubeconfig"),
                ["HOME"] = home,
                ["KUBECACHEDIR"] = Path.Combine(home, "cache"),
            },
        };
    }
}
