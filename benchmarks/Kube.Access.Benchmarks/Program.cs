using BenchmarkDotNet.Running;

// Run: dotnet run -c Release --project benchmarks/Kube.Access.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>Entry point type for BenchmarkDotNet's switcher.</summary>
public partial class Program;
