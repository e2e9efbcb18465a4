using BenchmarkDotNet.Running;
using Kube.Access.Benchmarks.PortForward;

// Run: dotnet run -c Release --project benchmarks/Kube.Access.Benchmarks -- --filter '*'
// Helpers of the port-forward benchmarks: the out-of-process emulator host and a quick throughput harness.
if (args.Length > 0 && args[0] == OutOfProcessEmulator.HostCommand)
{
    return await OutOfProcessEmulator.RunHostAsync();
}

if (args.Length > 0 && args[0] == PortForwardHarness.Command)
{
    return await PortForwardHarness.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

/// <summary>Entry point type for BenchmarkDotNet's switcher.</summary>
public partial class Program;
