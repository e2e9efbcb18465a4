using System.Net;
using System.Net.Sockets;
using k8s;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.PortForward.Tests;

/// <summary>One guide-scenario emulator session (mongo deployment, 27017 bound to echo), its connection and a <see cref="PortForwarder"/> over it.</summary>
public sealed class PortForwardFixture() : EmulatorFixture(() => EmulatorSession.StartAsync(EmulatorScenario.Guide))
{
    private PortForwarder? _forwarder;

    public PortForwarder Forwarder => _forwarder ??= new PortForwarder(Connection);

    public async Task<string> MongoPodAsync(IKubeConnection? connection = null)
    {
        var pods = await (connection ?? Connection).Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app.kubernetes.io/name=mongo");
        return pods.Items.Single(p => p.Metadata.DeletionTimestamp is null).Metadata.Name;
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
