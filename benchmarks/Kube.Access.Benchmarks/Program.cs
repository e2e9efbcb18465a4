using BenchmarkDotNet.Running;
using Kube.Access.Benchmarks.PortForward;
using Kube.Access.Benchmarks.Proxy;

// Run: dotnet run -c Release --project benchmarks/Kube.Access.Benchmarks -- --filter '*'
// Helpers: the port-forward benchmarks' out-of-process emulator host, a port-forward throughput harness and
// the proxy latency-percentile harness (see benchmarks/results/portforward.md and proxy.md).
if (args.Length > 0 && args[0] == OutOfProcessEmulator.HostCommand)
{
    return await OutOfProcessEmulator.RunHostAsync();
}

if (args.Length > 0 && args[0] == PortForwardHarness.Command)
{
    return await PortForwardHarness.RunAsync(args);
}

if (args.Length > 0 && args[0] == "exec-harness")
{
    return await Kube.Access.Benchmarks.Exec.ExecCatBenchmarks.RunHarnessAsync(args);
}

if (args.Length > 0 && args[0] == ProxyLatencyHarness.Command)
{
    return await ProxyLatencyHarness.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

/// <summary>Entry point type for BenchmarkDotNet's switcher.</summary>
public partial class Program;
