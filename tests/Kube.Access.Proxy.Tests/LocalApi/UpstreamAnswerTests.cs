using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Kube.Access.Proxy.Tests.Support;
using Xunit;

namespace Kube.Access.Proxy.Tests.LocalApi;

/// <summary>
/// Issue 19: the proxy answers with the API server's status (a body over its 3 MiB limit is 413, also when the
/// API server answers while the body is still streaming), and with kubectl's words when nothing came back.
/// </summary>
public sealed class UpstreamAnswerTests
{
    private const string Target = "/api/v1/namespaces/default/configmaps";

    [Theory]
    [InlineData(8 * 1024 * 1024, false, true)]
    [InlineData(8 * 1024 * 1024, true, true)]
    [InlineData(8 * 1024 * 1024, false, false)]
    [InlineData(8 * 1024 * 1024, true, false)]
    // Not (100 MiB, Content-Length, plain HTTP): there kubectl proxy's own answer races (the emulator closes
    // after reading 64 MiB, and kubectl answers 413 or 502 "broken pipe" by timing), so it is no reference.
    [InlineData(100 * 1024 * 1024, false, true)]
    [InlineData(100 * 1024 * 1024, true, true)]
    public async Task A_body_over_the_api_server_limit_is_its_413_through_both_proxies(int size, bool chunked, bool https)
    {
        await using var host = await EmulatorHost.StartAsync(https: https);
        await using var kubectl = await KubectlProxy.StartAsync(host.Kubeconfig);
        await using var ours = await new LocalApiProxy().StartAsync(host.Connection, new LocalApiProxyOptions { Port = 0 });

        var theirs = await PostLargeAsync(kubectl.Port, size, chunked);
        var mine = await PostLargeAsync(ours.Port, size, chunked);

        theirs.Status.Should().Be(413, "kubectl: " + theirs.Body);
        mine.Status.Should().Be(413, mine.Body);
        var status = JsonNode.Parse(mine.Body)!;
        status["kind"]!.GetValue<string>().Should().Be("Status");
        status["reason"]!.GetValue<string>().Should().Be("RequestEntityTooLarge");
        status["code"]!.GetValue<int>().Should().Be(413);
        mine.Body.Should().NotContain("Exception").And.NotContain("System.");
        ProxyDifferentialTests.AssertSame(theirs, mine);
    }

    [Fact]
    public async Task An_unreachable_api_server_is_kubectls_status_and_words()
    {
        await using var host = await EmulatorHost.StartAsync();
        var deadPort = ClosedPort();
        var kubeconfig = Path.Combine(host.TempDir, "dead-kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, (await File.ReadAllTextAsync(host.Kubeconfig)).Replace(host.Api.Url.GetLeftPart(UriPartial.Authority), $"https://127.0.0.1:{deadPort}", StringComparison.Ordinal));
        await using var dead = host.CreateConnection(new Uri($"https://127.0.0.1:{deadPort}"));
        await using var kubectl = await KubectlProxy.StartAsync(kubeconfig);
        await using var ours = await new LocalApiProxy().StartAsync(dead, new LocalApiProxyOptions { Port = 0 });

        foreach (var (method, body) in new[] { ("GET", (string?)null), ("POST", """{"kind":"ConfigMap"}""") })
        {
            var theirs = await RawHttp.SendAsync(kubectl.Port, method, Target, body: body);
            var mine = await RawHttp.SendAsync(ours.Port, method, Target, body: body);

            theirs.Body.Should().Be($"dial tcp 127.0.0.1:{deadPort}: connect: connection refused\n", "kubectl proxy's words are the reference");
            mine.Body.Should().NotContain("Exception").And.NotContain("System.");
            ProxyDifferentialTests.AssertSame(theirs, mine);
        }
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// POSTs a JSON body of <paramref name="size"/> bytes while reading the answer (a server may answer and stop reading before the body is
    /// sent, as the apiserver does; a write that then fails is expected).
    /// </summary>
    private static async Task<RawHttp.Response> PostLargeAsync(int port, int size, bool chunked)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var head = new StringBuilder()
            .Append("POST ").Append(Target).Append(" HTTP/1.1\r\n")
            .Append("Host: 127.0.0.1:").Append(port).Append("\r\n")
            .Append("Connection: close\r\nContent-Type: application/json\r\n")
            .Append(chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {size}\r\n")
            .Append("\r\n");
        // A valid ConfigMap whose one value makes the body `size` bytes long, written 64 KiB at a time from one buffer.
        var prefix = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"big\"},\"data\":{\"a\":\""u8.ToArray();
        var suffix = "\"}}"u8.ToArray();
        var filler = new byte[64 * 1024];
        filler.AsSpan().Fill((byte)'x');

        var send = Task.Run(async () =>
        {
            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
                await WriteAsync(prefix);
                for (var left = size - prefix.Length - suffix.Length; left > 0; left -= filler.Length)
                {
                    await WriteAsync(filler.AsMemory(0, Math.Min(filler.Length, left)));
                }

                await WriteAsync(suffix);
                if (chunked)
                {
                    await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
                }
            }
            catch (IOException)
            {
                // The server answered and closed before reading the whole body.
            }
        });

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var memory = new MemoryStream();
        try
        {
            await stream.CopyToAsync(memory, cts.Token);
        }
        catch (IOException) when (memory.Length > 0)
        {
            // A reset after the answer (the unread body): the answer is what counts.
        }

        await send;
        return RawHttp.Parse(memory.ToArray());

        async Task WriteAsync(ReadOnlyMemory<byte> data)
        {
            if (chunked)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(data.Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n"));
            }

            await stream.WriteAsync(data);
            if (chunked)
            {
                await stream.WriteAsync("\r\n"u8.ToArray());
            }
        }
    }
}
