using FluentAssertions;
using Kube.Access.InCluster;
using Xunit;

namespace Kube.Access.InCluster.Tests;

public sealed class InClusterConfigTests : IDisposable
{
    private const string CaPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly string _dir = Directory.CreateTempSubdirectory("kube-access-sa-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private InClusterConfig Create(Dictionary<string, string>? env = null, string? resolvConf = null) => new(new InClusterOptions
    {
        ServiceAccountDirectory = _dir,
        Environment = env ?? new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1", ["KUBERNETES_SERVICE_PORT"] = "443" },
        ResolvConfPath = resolvConf ?? Path.Combine(_dir, "resolv.conf"),
    });

    private void WriteServiceAccount(string token = "token-1\n", string? ns = "  team-a \n", string? ca = CaPem)
    {
        File.WriteAllText(Path.Combine(_dir, "token"), token);
        if (ns is not null)
        {
            File.WriteAllText(Path.Combine(_dir, "namespace"), ns);
        }

        if (ca is not null)
        {
            File.WriteAllText(Path.Combine(_dir, "ca.crt"), ca);
        }
    }

    [Fact]
    public async Task Loads_server_ca_namespace_and_a_token_source()
    {
        WriteServiceAccount();
        var endpoint = await Create().LoadAsync(Ct);
        endpoint.Server.Should().Be(new Uri("https://10.96.0.1:443"));
        endpoint.Tls.CertificateAuthorityPem.Should().Be(CaPem);
        endpoint.Namespace.Should().Be("team-a");
        endpoint.Credentials.Should().BeOfType<TokenFileCredentialSource>().Which.Path.Should().Be(Path.Combine(_dir, "token"));
        (await endpoint.Credentials.GetCredentialAsync(Ct)).BearerToken.Should().Be("token-1");
        endpoint.Source.Should().Contain(_dir);
    }

    [Theory]
    [InlineData("fd00:10:96::1", "https://[fd00:10:96::1]:6443/")]
    [InlineData("[fd00:10:96::1]", "https://[fd00:10:96::1]:6443/")]
    [InlineData("::1", "https://[::1]:6443/")]
    [InlineData("kubernetes.default.svc", "https://kubernetes.default.svc:6443/")]
    public void Ipv6_hosts_are_bracketed(string host, string expected)
    {
        var config = Create(new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = host, ["KUBERNETES_SERVICE_PORT"] = "6443" });
        config.GetServerUrl().ToString().Should().Be(expected);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("70000")]
    [InlineData("https")]
    [InlineData("-1")]
    public void A_bad_port_names_the_variable(string port)
    {
        var config = Create(new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1", ["KUBERNETES_SERVICE_PORT"] = port });
        var act = () => config.GetServerUrl();
        act.Should().Throw<InClusterException>().Which.Variable.Should().Be("KUBERNETES_SERVICE_PORT");
    }

    [Fact]
    public void A_bad_host_names_the_variable()
    {
        var config = Create(new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "a b/c", ["KUBERNETES_SERVICE_PORT"] = "443" });
        var act = () => config.GetServerUrl();
        act.Should().Throw<InClusterException>().Which.Variable.Should().Be("KUBERNETES_SERVICE_HOST");
    }

    [Fact]
    public void Detect_says_which_variable_or_file_is_missing()
    {
        Create(new Dictionary<string, string>()).Detect().Should().Match<InClusterStatus>(s => !s.IsInCluster && s.Reason.Contains("KUBERNETES_SERVICE_HOST"));
        Create(new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1" }).Detect().Reason.Should().Contain("KUBERNETES_SERVICE_PORT");

        var noToken = Create().Detect();
        noToken.IsInCluster.Should().BeFalse();
        noToken.Reason.Should().Contain(Path.Combine(_dir, "token"));

        WriteServiceAccount();
        Create().Detect().IsInCluster.Should().BeTrue();
    }

    [Fact]
    public async Task A_missing_or_empty_token_is_an_error_naming_the_path()
    {
        WriteServiceAccount(token: "  \n");
        var act = async () => await Create().LoadAsync(Ct);
        (await act.Should().ThrowAsync<KubeCredentialException>()).Which.Message.Should().Contain(Path.Combine(_dir, "token"));

        File.Delete(Path.Combine(_dir, "token"));
        (await act.Should().ThrowAsync<KubeCredentialException>()).Which.Message.Should().Contain(Path.Combine(_dir, "token"));
    }

    [Fact]
    public async Task A_missing_ca_is_an_error_naming_the_path()
    {
        WriteServiceAccount(ca: null);
        var act = async () => await Create().LoadAsync(Ct);
        (await act.Should().ThrowAsync<InClusterException>()).Which.Path.Should().Be(Path.Combine(_dir, "ca.crt"));
    }

    [Fact]
    public async Task Namespace_defaults_and_pod_namespace_overrides()
    {
        WriteServiceAccount(ns: null);
        (await Create().LoadAsync(Ct)).Namespace.Should().Be("default");

        var env = new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1", ["KUBERNETES_SERVICE_PORT"] = "443", ["POD_NAMESPACE"] = "from-env" };
        (await Create(env).LoadAsync(Ct)).Namespace.Should().Be("from-env");
    }

    [Fact]
    public async Task The_token_rotates_after_invalidation()
    {
        WriteServiceAccount();
        var endpoint = await Create().LoadAsync(Ct);
        var first = await endpoint.Credentials.GetCredentialAsync(Ct);
        File.WriteAllText(Path.Combine(_dir, "token"), "token-2");
        (await endpoint.Credentials.GetCredentialAsync(Ct)).BearerToken.Should().Be("token-1", "the token is cached for the refresh interval");
        (await endpoint.Credentials.InvalidateAsync(first, Ct)).Should().BeTrue();
        (await endpoint.Credentials.GetCredentialAsync(Ct)).BearerToken.Should().Be("token-2");
    }

    [Theory]
    [InlineData("search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n", "cluster.local")]
    [InlineData("nameserver 10.96.0.10\nsearch team-a.svc.corp.example svc.corp.example corp.example\n", "corp.example")]
    [InlineData("search svc.k8s.internal\n", "k8s.internal")]
    [InlineData("search old.svc.first.local\nsearch ns.svc.second.local\n", "second.local")]
    [InlineData("search example.com\n", null)]
    [InlineData("# search x.svc.commented.local\n", null)]
    [InlineData("", null)]
    public void Cluster_domain_comes_from_the_search_list(string resolvConf, string? expected)
    {
        InClusterConfig.ParseClusterDomain(resolvConf).Should().Be(expected);
    }

    [Fact]
    public async Task Cluster_domain_defaults_to_cluster_local()
    {
        (await Create().GetClusterDomainAsync(Ct)).Should().Be("cluster.local");
        File.WriteAllText(Path.Combine(_dir, "resolv.conf"), "search default.svc.example.org svc.example.org\n");
        (await Create().GetClusterDomainAsync(Ct)).Should().Be("example.org");
    }

    [Fact]
    public void The_documented_dns_name_is_kubernetes_default_svc()
    {
        InClusterConfig.KubernetesServiceDnsName.Should().Be("kubernetes.default.svc");
        new InClusterConfig().Options.ServiceAccountDirectory.Should().Be("/var/run/secrets/kubernetes.io/serviceaccount");
    }

    [Fact]
    public void Without_an_environment_override_the_process_environment_is_read()
    {
        // The test host is not a pod: the variable is absent in CI and on developer machines.
        var config = new InClusterConfig(new InClusterOptions { ServiceAccountDirectory = _dir });
        if (Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is null)
        {
            config.Detect().Reason.Should().Contain("KUBERNETES_SERVICE_HOST is not set");
        }
        else
        {
            config.Detect().Reason.Should().NotContain("KUBERNETES_SERVICE_HOST is not set");
        }
    }
}
