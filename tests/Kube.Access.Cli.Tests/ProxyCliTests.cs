using FluentAssertions;
using Kube.Access.TestSupport;

namespace Kube.Access.Cli.Tests;

/// <summary>
/// Proxies as kubectl uses them, side by side on the same HTTPS emulator through a recording loopback proxy:
/// HTTPS_PROXY is never used for a loopback server, is used (with its credentials) for any other name, and a
/// kubeconfig's proxy-url is used for every server, loopback or not; REST and exec's WebSocket alike.
/// </summary>
public sealed class ProxyCliTests(CliEmulatorFixture emulator) : IClassFixture<CliEmulatorFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kube-access-proxy-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Https_proxy_is_not_used_for_a_loopback_server()
    {
        await using var proxy = new LoopbackHttpProxy();
        var environment = ProxyEnvironment(proxy.Url.ToString());

        var kubectl = await KubectlTool.RunAsync(["get", "--raw", "/api"], emulator.Kubeconfig, environment: environment);
        var ours = await KubeAccessCli.RunAsync(["api", "/api"], emulator.Kubeconfig, environment: environment);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        proxy.Requests.Should().BeEmpty("kubectl and kube-access both reach 127.0.0.1 directly");
    }

    [Fact]
    public async Task Https_proxy_with_credentials_carries_rest_and_exec_to_a_cluster_name()
    {
        await using var proxy = new LoopbackHttpProxy("proxy-user", "s3cret:pw");
        var kubeconfig = WriteKubeconfig("named", server: $"https://kubernetes.default.svc:{emulator.Api.Url.Port}");
        var environment = ProxyEnvironment($"http://proxy-user:s3cret%3Apw@127.0.0.1:{proxy.Url.Port}", noProxy: "example.com,10.0.0.0/8");

        var kubectl = await KubectlTool.RunAsync(["get", "--raw", "/api"], kubeconfig, environment: environment);
        var ours = await KubeAccessCli.RunAsync(["api", "/api"], kubeconfig, environment: environment);
        var ourExec = await KubeAccessCli.RunAsync(["exec", "deploy/mongo", "--", "echo", "through the proxy"], kubeconfig, environment: environment);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        SameJson(ours.Stdout, kubectl.Stdout);
        ourExec.ExitCode.Should().Be(0, ourExec.ToString());
        ourExec.Stdout.Should().Be("through the proxy\n");
        var target = $"kubernetes.default.svc:{emulator.Api.Url.Port}";
        proxy.Requests.Where(r => r.Authorized).Should().OnlyContain(r => r.Method == "CONNECT" && r.Target == target)
            .And.HaveCountGreaterOrEqualTo(3, "kubectl's GET, our GET and our exec upgrade each tunnel through the proxy");
    }

    [Fact]
    public async Task Tls_server_name_is_checked_through_the_environments_proxy()
    {
        await using var proxy = new LoopbackHttpProxy();
        var server = $"https://apiserver.kube-access.test:{emulator.Api.Url.Port}";
        var kubeconfig = WriteKubeconfig("tls-server-name", server: server, clusterFields: "    tls-server-name: kubernetes.default.svc\n");
        var environment = ProxyEnvironment(proxy.Url.ToString());

        var kubectl = await KubectlTool.RunAsync(["get", "--raw", "/api"], kubeconfig, environment: environment);
        var ours = await KubeAccessCli.RunAsync(["api", "/api"], kubeconfig, environment: environment);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        SameJson(ours.Stdout, kubectl.Stdout);
        proxy.Requests.Should().HaveCountGreaterOrEqualTo(2).And.OnlyContain(r => r.Method == "CONNECT" && r.Target == $"apiserver.kube-access.test:{emulator.Api.Url.Port}",
            "the certificate names kubernetes.default.svc, not the server's host: both check tls-server-name through the tunnel");
    }

    [Fact]
    public async Task Kubeconfig_proxy_url_is_used_even_for_a_loopback_server()
    {
        await using var proxy = new LoopbackHttpProxy();
        var kubeconfig = WriteKubeconfig("proxy-url", server: emulator.Api.Url.ToString().TrimEnd('/'), clusterFields: $"    proxy-url: {proxy.Url.ToString().TrimEnd('/')}\n");

        var kubectl = await KubectlTool.RunAsync(["get", "--raw", "/api"], kubeconfig);
        var kubectlRequests = proxy.Requests.Count;
        var ours = await KubeAccessCli.RunAsync(["api", "/api"], kubeconfig);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        SameJson(ours.Stdout, kubectl.Stdout);
        kubectlRequests.Should().BeGreaterThan(0, "kubectl tunnels to the loopback server through proxy-url");
        proxy.Requests.Count.Should().BeGreaterThan(kubectlRequests, "so does kube-access");
        proxy.Requests.Should().OnlyContain(r => r.Method == "CONNECT" && r.Target == $"127.0.0.1:{emulator.Api.Url.Port}");
    }

    [Fact]
    public async Task Manifest_urls_take_http_proxy_as_kubectl_takes_it()
    {
        await using var proxy = new LoopbackHttpProxy();
        await using var server = await ManifestServer.StartAsync("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxied-manifest\ndata:\n  from: url\n");
        var environment = ProxyEnvironment(proxy.Url.ToString());
        var loopbackUrl = server.Url + "cm.yaml";
        var namedUrl = loopbackUrl.Replace("127.0.0.1", "manifests.kube-access.test", StringComparison.Ordinal);

        var outcomes = new List<(string Tool, string Url, int ExitCode, int Proxied)>();
        foreach (var url in new[] { loopbackUrl, namedUrl })
        {
            var before = proxy.Requests.Count;
            var kubectl = await KubectlTool.RunAsync(["apply", "-f", url], emulator.Kubeconfig, environment: environment);
            outcomes.Add(("kubectl", url, kubectl.ExitCode, proxy.Requests.Count - before));
            before = proxy.Requests.Count;
            var ours = await KubeAccessCli.RunAsync(["apply", "-f", url], emulator.Kubeconfig, environment: environment);
            outcomes.Add(("kube-access", url, ours.ExitCode, proxy.Requests.Count - before));
            kubectl.ExitCode.Should().Be(0, kubectl.ToString());
            ours.ExitCode.Should().Be(0, ours.ToString());
        }

        outcomes.Should().Equal(
            ("kubectl", loopbackUrl, 0, 0),
            ("kube-access", loopbackUrl, 0, 0),
            ("kubectl", namedUrl, 0, 1),
            ("kube-access", namedUrl, 0, 1));
        proxy.Requests.Should().OnlyContain(r => r.Method == "GET" && r.Target == namedUrl);
    }

    [Fact]
    public async Task An_unusable_https_proxy_value_is_a_clear_error_naming_the_variable()
    {
        var environment = ProxyEnvironment("ftp://proxy.example:21");
        environment["HTTP_PROXY"] = "http://[not a host";
        var kubeconfig = WriteKubeconfig("named-for-bad-proxy", server: $"https://kubernetes.default.svc:{emulator.Api.Url.Port}");

        var ours = await KubeAccessCli.RunAsync(["api", "/api"], kubeconfig, environment: environment);

        ours.ExitCode.Should().NotBe(0);
        ours.Stderr.Should().Contain("HTTPS_PROXY 'ftp://proxy.example:21'").And.Contain("unsupported proxy scheme 'ftp'")
            .And.NotContain("HTTP_PROXY", "an https server does not use HTTP_PROXY");
    }

    private static void SameJson(string ours, string kubectl) =>
        JsonCompare.Same(System.Text.Json.Nodes.JsonNode.Parse(ours), System.Text.Json.Nodes.JsonNode.Parse(kubectl))
            .Should().BeTrue($"ours:\n{ours}\nkubectl:\n{kubectl}");

    private static Dictionary<string, string?> ProxyEnvironment(string proxy, string? noProxy = null) => new()
    {
        ["HTTPS_PROXY"] = proxy,
        ["HTTP_PROXY"] = proxy,
        ["https_proxy"] = null,
        ["http_proxy"] = null,
        ["NO_PROXY"] = noProxy,
        ["no_proxy"] = null,
        ["ALL_PROXY"] = null,
    };

    private string WriteKubeconfig(string name, string server, string clusterFields = "")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, emulator.KubeconfigWithCluster(server, clusterFields));
        return path;
    }
}
