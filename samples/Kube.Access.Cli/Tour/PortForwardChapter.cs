using System.Text;
using k8s;
using Kube.Access.PortForward;

namespace Kube.Access.Cli.Tour;

/// <summary>
/// Guide chapter "Use Port Forwarding to Access Applications in a Cluster": find mongo's port, forward a
/// random local port to service/mongo (kubectl's lines), ping it through the forward, then reach the
/// pod with a listener-less stream.
/// </summary>
internal sealed class PortForwardChapter : ITourChapter
{
    public string Title => "Port forwarding to MongoDB (kubectl port-forward)";

    public async Task RunAsync(TourContext context, CancellationToken cancellationToken)
    {
        var api = context.Emulator;
        await using var connection = new KubeConnection(new KubeEndpoint
        {
            Server = api.Url,
            Tls = new KubeTlsSettings { CertificateAuthorityPem = api.CertificateAuthorityPem },
            Credentials = new StaticCredentialSource(KubeCredential.FromToken(api.DefaultToken)),
            Namespace = "default",
        });

        context.Command("kubectl get pods -l app.kubernetes.io/name=mongo");
        var pods = await connection.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app.kubernetes.io/name=mongo", cancellationToken: cancellationToken);
        context.Table(["NAME", "STATUS"], pods.Items.Select(p => (IReadOnlyList<string>)[p.Metadata.Name, p.Status?.Phase ?? "Unknown"]));
        var pod = pods.Items[0];
        context.Line();

        context.Command($"kubectl get pod {pod.Metadata.Name} --template='{{{{(index (index .spec.containers 0).ports 0).containerPort}}}}{{{{\"\\n\"}}}}'");
        context.Line(pod.Spec.Containers[0].Ports[0].ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        context.Line();

        var forwarder = new PortForwarder(connection);
        context.Command("kubectl port-forward service/mongo :27017");
        await using var session = await forwarder.StartAsync("service/mongo", [":27017"], "default", new PortForwardOptions(), cancellationToken);
        session.ConnectionOpened += (_, c) => context.Line(c.KubectlLine);
        foreach (var port in session.Ports)
        {
            context.Line(port.KubectlLine);
        }

        var local = session.Ports[0].LocalEndPoint;
        context.Line();
        context.Command($"mongosh --port {local.Port}   # here: a TCP client sending db.runCommand({{ ping: 1 }})");
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(local.Address, local.Port, cancellationToken);
            var stream = client.GetStream();
            var ping = Encoding.ASCII.GetBytes("db.runCommand({ ping: 1 })");
            await stream.WriteAsync(ping, cancellationToken);
            var reply = new byte[ping.Length];
            await stream.ReadExactlyAsync(reply, cancellationToken);
            context.Line($"reply: {Encoding.ASCII.GetString(reply)}   (the emulator's mongo port is an echo server: the ping comes back as sent)");
        }

        context.Line();
        context.Line("In-process, with no listener at all (IPortForwarder.OpenStreamAsync):");
        await using (var stream = await forwarder.OpenStreamAsync(pod.Metadata.Name, 27017, "default", cancellationToken))
        {
            var hello = Encoding.ASCII.GetBytes("hello mongo");
            await stream.WriteAsync(hello, cancellationToken);
            var back = new byte[hello.Length];
            await stream.ReadExactlyAsync(back, cancellationToken);
            context.Line($"pod {pod.Metadata.Name}:27017 answered \"{Encoding.ASCII.GetString(back)}\"");
        }

        context.Line($"{session.BytesToPod} bytes to the pod and {session.BytesFromPod} back through the forward.");
    }
}
