using Kube.Access;
using Kube.Access.Proxy;
using Kube.Access.Testing;

// Usage: Kube.Access.SignalProbe emulator|proxy. Prints "ready" once serving, then waits forever;
// nothing here touches signals, so whatever ends the process on SIGTERM is the runtime's default.
await using var api = await KubeApiEmulator.StartAsync();
LocalApiProxyServer? proxy = null;
if (args.Length > 0 && args[0] == "proxy")
{
    var connection = new KubeConnection(new KubeEndpoint { Server = api.Url, Namespace = "default" });
    proxy = await new LocalApiProxy().StartAsync(connection, new LocalApiProxyOptions { Port = 0 });
}

Console.WriteLine("ready");
Console.Out.Flush();
await Task.Delay(Timeout.Infinite);
GC.KeepAlive(proxy);
