using System.Net;
using System.Net.Sockets;

namespace Kube.Access.TestSupport;

/// <summary>An API server that cannot be reached: a loopback port bound by the system, then closed.</summary>
public static class ClosedLoopbackPort
{
    /// <summary>A loopback port nothing listens on.</summary>
    public static int Take()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>An <c>http://127.0.0.1:PORT</c> server URL on a port nothing listens on.</summary>
    public static Uri Server() => new($"http://127.0.0.1:{Take()}");
}
