// Lists the pods of its own namespace with the pod's service account, every 30 s.
// In a pod:        dotnet InClusterWorker.dll
// Outside, tests:  dotnet InClusterWorker.dll --KubeAccess:ServiceAccountDirectory=/tmp/sa --Worker:Once=true
using InClusterWorker;
using Microsoft.Extensions.Hosting;

using var host = WorkerHost.CreateBuilder(args).Build();
await host.RunAsync();
return Environment.ExitCode;
