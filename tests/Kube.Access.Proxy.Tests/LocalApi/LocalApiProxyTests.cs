using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using Kube.Access.Proxy.Tests.Support;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Proxy.Tests.LocalApi;

public sealed class LocalApiProxyTests
{
    [Fact]
    public async Task Kubectl_get_create_and_watch_work_through_our_proxy()
    {
        await using var host = await EmulatorHost.StartAsync();
        await using var proxy = await new LocalApiProxy().StartAsync(host.Connection, new LocalApiProxyOptions { Port = 0 });
        var server = $"--server=http://127.0.0.1:{proxy.Port}";

        var direct = await KubectlTool.RunAsync(["--kubeconfig", host.Kubeconfig, "get", "pods", "-A", "-o", "name"]);
        var through = await KubectlTool.RunAsync([server, "get", "pods", "-A", "-o", "name"]);
        through.ExitCode.Should().Be(0, through.Stderr);
        through.Stdout.Should().Be(direct.Stdout).And.Contain("pod/");

        // Watch through the proxy (bounded by kubectl's request timeout), then create through the proxy.
        var watch = KubectlTool.RunAsync([server, "get", "configmaps", "-n", "default", "-w", "-o", "name", "--request-timeout=20s"], timeout: TimeSpan.FromMinutes(2));
        await Task.Delay(TimeSpan.FromSeconds(5));
        var manifest = Path.Combine(host.TempDir, "cm.json");
        await File.WriteAllTextAsync(manifest, """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"through-proxy","namespace":"default"},"data":{"a":"b"}}""");
        var created = await KubectlTool.RunAsync([server, "create", "-f", manifest]);
        created.ExitCode.Should().Be(0, created.Stderr);
        created.Stdout.Trim().Should().Be("configmap/through-proxy created");
        host.Api.GetObject("configmaps", "default", "through-proxy").Should().NotBeNull();

        var watched = await watch;
        watched.Stdout.Should().Contain("configmap/kube-root-ca.crt").And.Contain("configmap/through-proxy");
    }

    [Fact]
    public async Task Upstream_failure_is_kubectls_500_with_the_reason()
    {
        await using var host = await EmulatorHost.StartAsync();
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var deadPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using var dead = host.CreateConnection(new Uri($"https://127.0.0.1:{deadPort}"));
        await using var proxy = await new LocalApiProxy().StartAsync(dead, new LocalApiProxyOptions { Port = 0 });

        var response = await RawHttp.SendAsync(proxy.Port, "GET", "/version");

        response.Status.Should().Be(500, "kubectl proxy answers 500 when the API server cannot be reached");
        response.Headers["Content-Type"].Should().Be("text/plain; charset=utf-8");
        response.Body.Should().Contain("refused");
    }

    [Fact]
    public async Task Port_zero_reports_the_bound_port_and_the_kubectl_line()
    {
        await using var host = await EmulatorHost.StartAsync();
        await using var proxy = await new LocalApiProxy().StartAsync(host.Connection, new LocalApiProxyOptions { Port = 0 });

        proxy.Port.Should().BeGreaterThan(0);
        proxy.Address.Should().Be($"127.0.0.1:{proxy.Port}");
        proxy.StartingLine.Should().Be($"Starting to serve on 127.0.0.1:{proxy.Port}");
        using var client = new HttpClient { BaseAddress = proxy.Url };
        (await client.GetStringAsync("version")).Should().Contain("gitVersion");
    }

    [Fact]
    public async Task Unix_socket_serves_the_api_and_is_private()
    {
        await using var host = await EmulatorHost.StartAsync();
        var socket = Path.Combine(host.TempDir, "proxy.sock");
        await using (var proxy = await new LocalApiProxy().StartAsync(host.Connection, new LocalApiProxyOptions { UnixSocket = socket }))
        {
            proxy.Address.Should().Be(socket);
            proxy.Port.Should().Be(0);
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(socket).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Exists(socket).Should().BeTrue();
            using var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                    return new NetworkStream(s, ownsSocket: true);
                },
            };
            using var client = new HttpClient(handler) { BaseAddress = new Uri("http://localhost/") };
            (await client.GetStringAsync("version")).Should().Contain("gitVersion");
        }

        File.Exists(socket).Should().BeFalse();
    }

    [Fact]
    public async Task Static_files_are_served_under_the_www_prefix()
    {
        await using var host = await EmulatorHost.StartAsync(Testing.EmulatorScenario.Empty, https: false);
        var www = Directory.CreateDirectory(Path.Combine(host.TempDir, "www")).FullName;
        await File.WriteAllTextAsync(Path.Combine(www, "hello.txt"), "hello from www");
        await using var proxy = await new LocalApiProxy().StartAsync(host.Connection, new LocalApiProxyOptions { Port = 0, Www = www });

        var file = await RawHttp.SendAsync(proxy.Port, "GET", "/static/hello.txt");
        var missing = await RawHttp.SendAsync(proxy.Port, "GET", "/static/nope.txt");
        var api = await RawHttp.SendAsync(proxy.Port, "GET", "/version");

        file.Status.Should().Be(200);
        file.Body.Should().Be("hello from www");
        missing.Status.Should().Be(404);
        missing.Body.Should().Be("404 page not found\n");
        api.Status.Should().Be(200);
    }

    [Theory]
    [InlineData("accept-hosts")]
    [InlineData("reject-paths")]
    public async Task Invalid_options_raise_a_typed_error_naming_the_flag(string option)
    {
        await using var host = await EmulatorHost.StartAsync(Testing.EmulatorScenario.Empty, https: false);
        var options = new LocalApiProxyOptions { Port = 0 };
        if (option == "accept-hosts")
        {
            options.AcceptHosts = "^(localhost";
        }
        else
        {
            options.RejectPaths = "[z-a]";
        }

        var act = () => new LocalApiProxy().StartAsync(host.Connection, options);

        (await act.Should().ThrowAsync<LocalApiProxyException>()).Which.Option.Should().Be(option);
    }

    [Fact]
    public async Task Unix_socket_with_a_port_is_refused_like_kubectl()
    {
        await using var host = await EmulatorHost.StartAsync(Testing.EmulatorScenario.Empty, https: false);
        var act = () => new LocalApiProxy().StartAsync(host.Connection, new LocalApiProxyOptions { Port = 9999, UnixSocket = Path.Combine(host.TempDir, "s") });

        (await act.Should().ThrowAsync<LocalApiProxyException>()).Which.Message.Should().Contain("cannot set --unix-socket and --port at the same time");
    }

    [Fact]
    public async Task Bounded_load_64_clients_20k_requests_without_errors_and_flat_memory()
    {
        // The emulator keeps no request log here: its last 10,000 requests (~2 KB each) would be the heap growth measured.
        await using var host = await EmulatorHost.StartAsync(Testing.EmulatorScenario.Empty, https: false, recordRequests: false);
        await using var proxy = await new LocalApiProxy().StartAsync(host.Connection, new LocalApiProxyOptions { Port = 0 });
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 64 };
        using var client = new HttpClient(handler) { BaseAddress = proxy.Url, Timeout = TimeSpan.FromMinutes(2) };

        async Task RunAsync(int total)
        {
            var next = 0;
            var failures = new ConcurrentQueue<string>();
            var workers = Enumerable.Range(0, 64).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= total)
                {
                    using var response = await client.GetAsync("api/v1/namespaces/default/configmaps/kube-root-ca.crt");
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != HttpStatusCode.OK || !body.Contains("kube-root-ca.crt", StringComparison.Ordinal))
                    {
                        failures.Enqueue($"{(int)response.StatusCode} {body}");
                    }
                }
            });
            await Task.WhenAll(workers);
            failures.Should().BeEmpty();
        }

        await RunAsync(2_000); // warm up pools and JIT
        var before = Settle();
        await RunAsync(20_000);
        var after = Settle();

        // Memory stays flat: nothing is retained per request (a leak of even 1 KB per request would be 20 MB).
        (after - before).Should().BeLessThan(16L * 1024 * 1024, $"heap grew from {before} to {after} bytes");
    }

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
