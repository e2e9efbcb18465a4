using System.Net;
using System.Net.Sockets;
using k8s;
using Kube.Access.Connections;
using Kube.Access.Testing;
using Xunit;

namespace Kube.Access.PortForward.Tests;

/// <summary>One guide-scenario emulator (mongo deployment, 27017 bound to echo) and a connection to it.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public KubeApiEmulator Api { get; private set; } = null!;

    public IKubeConnection Connection { get; private set; } = null!;

    public PortForwarder Forwarder { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Scenario = EmulatorScenario.Guide });
        Connection = Connect(Api);
        Forwarder = new PortForwarder(Connection);
    }

    public static IKubeConnection Connect(KubeApiEmulator api) => new KubeConnection(new KubeEndpoint
    {
        Server = api.Url,
        Credentials = new StaticCredentialSource(KubeCredential.FromToken(api.DefaultToken)),
        Namespace = "default",
    });

    public async Task<string> MongoPodAsync(IKubeConnection? connection = null)
    {
        var pods = await (connection ?? Connection).Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app.kubernetes.io/name=mongo");
        return pods.Items.Single(p => p.Metadata.DeletionTimestamp is null).Metadata.Name;
    }

    public async Task DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Api.DisposeAsync();
    }

    public static CancellationToken Timeout(int minutes = 3) => new CancellationTokenSource(TimeSpan.FromMinutes(minutes)).Token;

    /// <summary>Connects to a forwarded local endpoint, sends <paramref name="message"/> and reads the same number of bytes back.</summary>
    public static async Task<byte[]> EchoAsync(IPEndPoint endPoint, byte[] message, CancellationToken ct)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, ct);
        return await SendAndReceiveAsync(socket, message, ct);
    }

    /// <summary>Sends <paramref name="message"/> on an open socket and reads the same number of bytes back (fewer if the peer ends first).</summary>
    public static async Task<byte[]> SendAndReceiveAsync(Socket socket, byte[] message, CancellationToken ct)
    {
        await socket.SendAsync(message, SocketFlags.None, ct);
        var received = new byte[message.Length];
        var total = 0;
        while (total < received.Length)
        {
            var n = await socket.ReceiveAsync(received.AsMemory(total), SocketFlags.None, ct);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return received[..total];
    }
}
