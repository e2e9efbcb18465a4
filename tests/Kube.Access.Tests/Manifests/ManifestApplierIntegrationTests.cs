using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Kube.Access.Manifests;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Tests.Manifests;

public class ManifestApplierIntegrationTests
{
    public static TheoryData<string, string, string> GuideManifests => new()
    {
        { "hello-application.yaml", "deployment", "hello-world" },
        { "backend-deployment.yaml", "deployment", "hello" },
        { "backend-service.yaml", "service", "hello" },
        { "frontend-deployment.yaml", "deployment", "frontend" },
        { "frontend-service.yaml", "service", "frontend" },
        { "two-container-pod.yaml", "pod", "two-containers" },
        { "mongo-deployment.yaml", "deployment", "mongo" },
        { "mongo-service.yaml", "service", "mongo" },
    };

    [Theory]
    [MemberData(nameof(GuideManifests))]
    public async Task Apply_of_a_guide_manifest_matches_kubectl_apply(string file, string resource, string name)
    {
        var path = Path.Combine(RepoPaths.ManifestsDir, file);
        await using var theirs = await EmulatorSession.StartAsync();
        await using var ours = await EmulatorSession.StartAsync();
        using var applier = new ManifestApplier(ours.Connection);

        var k = await theirs.Kubectl("apply", "-f", path);
        k.ExitCode.Should().Be(0, k.StdErr);
        var result = await applier.ApplyAsync([ManifestSource.FromFile(path)]);
        result.Succeeded.Should().BeTrue(string.Join("; ", result.Failures));
        result.Objects.Select(o => o.ToString()).Should().Equal(k.StdOut.Trim().Split('\n').Select(l => l.Trim()));

        var theirObject = EmulatorSession.Comparable(await theirs.GetJson(resource, name));
        var ourObject = EmulatorSession.Comparable(await ours.GetJson(resource, name));
        JsonCompare.Same(ourObject, theirObject).Should().BeTrue($"ours {ourObject.ToJsonString()}\nkubectl {theirObject.ToJsonString()}");

        // Re-applying is "unchanged" for both, and kubectl accepts what we recorded as its own.
        var again = await applier.ApplyAsync([ManifestSource.FromFile(path)]);
        again.Objects.Should().OnlyContain(o => o.Action == ApplyAction.Unchanged);
        var k2 = await ours.Kubectl("apply", "-f", path);
        k2.ExitCode.Should().Be(0, k2.StdErr);
        k2.StdOut.Should().Contain("unchanged");
    }

    [Fact]
    public async Task A_changed_manifest_is_configured_and_removed_fields_are_deleted()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var applier = new ManifestApplier(session.Connection);
        const string v1 = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  labels: {a: \"1\", b: \"2\"}\ndata:\n  x: \"1\"\n  z: \"2\"\n";
        const string v2 = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  labels: {a: \"1\"}\ndata:\n  x: \"3\"\n";
        (await applier.ApplyAsync([ManifestSource.FromText(v1, "v1.yaml")])).Objects.Single().Action.Should().Be(ApplyAction.Created);
        (await applier.ApplyAsync([ManifestSource.FromText(v2, "v2.yaml")])).Objects.Single().ToString().Should().Be("configmap/cfg configured");
        var live = await session.GetJson("configmap", "cfg");
        live["data"]!.ToJsonString().Should().Be("""{"x":"3"}""");
        live["metadata"]!["labels"]!.ToJsonString().Should().Be("""{"a":"1"}""");

        // kubectl apply of v1 after ours removes what v2 added and restores the rest, like a second kubectl apply would.
        var file = Path.Combine(session.TempDir, "v1.yaml");
        await File.WriteAllTextAsync(file, v1);
        var k = await session.Kubectl("apply", "-f", file);
        k.StdOut.Trim().Should().Be("configmap/cfg configured");
        var after = await session.GetJson("configmap", "cfg");
        after["data"]!.ToJsonString().Should().Be("""{"x":"1","z":"2"}""", after.ToJsonString());
    }

    [Fact]
    public async Task Dry_runs_change_nothing()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var applier = new ManifestApplier(session.Connection);
        var path = Path.Combine(RepoPaths.ManifestsDir, "mongo-service.yaml");
        (await applier.ApplyAsync([ManifestSource.FromFile(path)], new ApplyRequest { DryRun = ApplyDryRun.Client })).Objects.Single().ToString().Should().Be("service/mongo created (dry run)");
        (await applier.ApplyAsync([ManifestSource.FromFile(path)], new ApplyRequest { DryRun = ApplyDryRun.Server })).Objects.Single().ToString().Should().Be("service/mongo created (server dry run)");
        (await session.Kubectl("get", "service", "mongo")).ExitCode.Should().NotBe(0);
    }

    [Fact]
    public async Task A_directory_applies_every_manifest_and_a_refused_document_does_not_stop_the_others()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var applier = new ManifestApplier(session.Connection);
        var result = await applier.ApplyAsync([ManifestSource.FromDirectory(RepoPaths.ManifestsDir)]);
        result.Succeeded.Should().BeTrue(string.Join("; ", result.Failures));
        result.Objects.Should().HaveCount(8);

        var mixed = "apiVersion: v1\nkind: Service\nmetadata: {name: Bad_Name}\nspec: {ports: [{port: 80}]}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n";
        var r = await applier.ApplyAsync([ManifestSource.FromText(mixed, "mixed.yaml")]);
        r.Objects.Select(o => o.Action).Should().Equal(ApplyAction.Failed, ApplyAction.Created, ApplyAction.Failed);
        r.Objects[0].Error.Should().BeOfType<KubeApiException>().Which.StatusCode.Should().Be(422);
        r.Objects[2].Error!.Message.Should().Contain("no matches for kind \"Widget\"");
    }

    [Fact]
    public async Task Namespace_rules_follow_kubectl()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var applier = new ManifestApplier(session.Connection);
        (await applier.ApplyAsync([ManifestSource.FromText("apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n")])).Objects.Single().ToString().Should().Be("namespace/other created");
        var doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: other}\n";
        var r = await applier.ApplyAsync([ManifestSource.FromText(doc)], new ApplyRequest { Namespace = "default", EnforceNamespace = true });
        r.Objects.Single().Error!.Message.Should().Contain("does not match the namespace \"default\"");
        var ok = await applier.ApplyAsync([ManifestSource.FromText("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")], new ApplyRequest { Namespace = "other" });
        ok.Succeeded.Should().BeTrue();
        (await session.GetJson("configmap", "c", "other"))["metadata"]!["namespace"]!.GetValue<string>().Should().Be("other");
    }

    [Fact]
    public async Task Apply_from_a_url_follows_redirects_and_reports_http_errors_naming_the_url()
    {
        await using var session = await EmulatorSession.StartAsync();
        await using var server = await LoopbackFileServer.StartAsync(RepoPaths.ManifestsDir);
        using var applier = new ManifestApplier(session.Connection);

        var redirect = new Uri(server.BaseUrl, "examples/pods/two-container-pod.yaml");
        var result = await applier.ApplyAsync([ManifestSource.Parse(redirect.ToString())]);
        result.Objects.Single().ToString().Should().Be("pod/two-containers created");
        server.Redirects.Should().BeGreaterThan(0);

        // kubectl applies the same URL to the same result.
        await using var theirs = await EmulatorSession.StartAsync();
        var k = await theirs.Kubectl("apply", "-f", redirect.ToString());
        k.StdOut.Trim().Should().Be("pod/two-containers created");
        JsonCompare.Same(EmulatorSession.Comparable(await session.GetJson("pod", "two-containers")), EmulatorSession.Comparable(await theirs.GetJson("pod", "two-containers"))).Should().BeTrue();

        var missing = new Uri(server.BaseUrl, "missing.yaml");
        var act = () => applier.ApplyAsync([ManifestSource.FromUrl(missing), ManifestSource.FromFile(Path.Combine(RepoPaths.ManifestsDir, "mongo-service.yaml"))]);
        var ex = (await act.Should().ThrowAsync<ManifestDownloadException>()).Which;
        ex.StatusCode.Should().Be(404);
        ex.Url.Should().Be(missing);
        ex.Message.Should().Contain(missing.ToString()).And.Contain("404");
        (await session.Kubectl("get", "service", "mongo")).ExitCode.Should().NotBe(0, "nothing is applied when a source fails to download");
    }

    [Fact]
    public async Task Url_size_limit_and_timeout_are_typed_errors()
    {
        await using var session = await EmulatorSession.StartAsync();
        await using var server = await LoopbackFileServer.StartAsync(RepoPaths.ManifestsDir);
        using var small = new ManifestApplier(session.Connection, Microsoft.Extensions.Options.Options.Create(new ManifestApplierOptions { MaxManifestBytes = 100 }));
        var big = () => small.LoadAsync([ManifestSource.FromUrl(new Uri(server.BaseUrl, "two-container-pod.yaml"))]);
        (await big.Should().ThrowAsync<ManifestDownloadException>()).Which.Message.Should().Contain("limit");

        using var impatient = new ManifestApplier(session.Connection, Microsoft.Extensions.Options.Options.Create(new ManifestApplierOptions { DownloadTimeout = TimeSpan.FromMilliseconds(300) }));
        var slow = () => impatient.LoadAsync([ManifestSource.FromUrl(new Uri(server.BaseUrl, "slow"))]);
        (await slow.Should().ThrowAsync<ManifestDownloadException>()).Which.Message.Should().Contain("timed out");
    }

    [Fact]
    public async Task A_parse_error_in_one_source_applies_nothing()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var applier = new ManifestApplier(session.Connection);
        using var stdin = new MemoryStream(Encoding.UTF8.GetBytes("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: [\n"));
        var act = () => applier.ApplyAsync([ManifestSource.FromFile(Path.Combine(RepoPaths.ManifestsDir, "mongo-service.yaml")), ManifestSource.FromStream(stdin)]);
        (await act.Should().ThrowAsync<ManifestException>()).Which.Source.Should().Be("STDIN");
        (await session.Kubectl("get", "service", "mongo")).ExitCode.Should().NotBe(0);
    }
}

/// <summary>A loopback HTTP server for manifests: /examples/... redirects (like k8s.io) to the file, /slow never answers.</summary>
public sealed class LoopbackFileServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly string _root;
    private int _redirects;

    private LoopbackFileServer(string root)
    {
        _root = root;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUrl { get; }

    public int Redirects => Volatile.Read(ref _redirects);

    public static Task<LoopbackFileServer> StartAsync(string root) => Task.FromResult(new LoopbackFileServer(root));

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync(_stop.Token) ?? "";
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(_stop.Token))) { }
                var path = requestLine.Split(' ').ElementAtOrDefault(1) ?? "/";
                byte[] response;
                if (path == "/slow")
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                if (path.StartsWith("/examples/", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _redirects);
                    var target = "/" + Path.GetFileName(path);
                    response = Encoding.ASCII.GetBytes($"HTTP/1.1 301 Moved Permanently\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                }
                else
                {
                    var file = Path.Combine(_root, Path.GetFileName(path));
                    if (File.Exists(file))
                    {
                        var body = await File.ReadAllBytesAsync(file);
                        response = [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"), .. body];
                    }
                    else response = Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found");
                }
                await stream.WriteAsync(response, _stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
            }
            catch (IOException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _loop; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
