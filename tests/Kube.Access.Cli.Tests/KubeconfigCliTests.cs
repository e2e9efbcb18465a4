using FluentAssertions;
using Kube.Access.TestSupport;

namespace Kube.Access.Cli.Tests;

/// <summary>
/// Kubeconfig entries kubectl refuses or reads in a particular way, and its global flags laid over a kubeconfig:
/// kubectl and kube-access side by side on the same file and the same HTTPS emulator.
/// </summary>
public sealed class KubeconfigCliTests(CliEmulatorFixture emulator) : IClassFixture<CliEmulatorFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kube-access-kubeconfig-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_kubeconfig_with_a_ca_and_insecure_skip_tls_verify_is_refused_as_kubectl_refuses_it()
    {
        var path = Path.Combine(_directory, "config");
        var yaml = emulator.KubeconfigWithCluster(clusterFields: "    insecure-skip-tls-verify: true\n");
        yaml.Should().Contain("certificate-authority-data:");
        File.WriteAllText(path, yaml);

        var kubectl = await KubectlTool.RunAsync(["get", "--raw", "/version"], path);
        var ours = await KubeAccessCli.RunAsync(["version"], path);

        const string Refusal = "specifying a root certificates file with the insecure flag is not allowed";
        kubectl.ExitCode.Should().NotBe(0);
        kubectl.Stderr.Should().Contain(Refusal);
        ours.ExitCode.Should().NotBe(0, ours.ToString());
        ours.Stderr.Should().Contain(Refusal).And.Contain(path).And.Contain("insecure-skip-tls-verify");
        ours.Stdout.Should().NotContain("Server Version", "nothing reached the server");
    }

    [Theory]
    [InlineData("    username: admin\n    password: pw\n", false, "more than one authentication method found for emulator; found [token basicAuth], only one is allowed")]
    [InlineData("    username: admin\n", false, "more than one authentication method found for emulator; found [token basicAuth], only one is allowed")]
    [InlineData("    username: admin\n    password: pw\n", true, "username/password or bearer token may be set, but not both")]
    [InlineData("    as-groups: [\"g1\"]\n", false, "requesting uid, groups or user-extra for emulator without impersonating a user")]
    [InlineData("    as-user-extra: {k: [v]}\n", false, "requesting uid, groups or user-extra for emulator without impersonating a user")]
    [InlineData("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/false\n", false, "interactiveMode must be specified for emulator to use exec authentication plugin")]
    [InlineData("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: \"\"\n      interactiveMode: Never\n", false, "command must be specified for emulator to use exec authentication plugin")]
    [InlineData("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/false\n      interactiveMode: Never\n    auth-provider:\n      name: oidc\n", false, "authProvider cannot be provided in combination with an exec plugin for emulator")]
    public async Task A_user_entry_kubectl_refuses_is_refused_with_kubectls_reason(string userFields, bool tokenFile, string reason)
    {
        var yaml = emulator.Api.GetKubeconfig();
        var tokenLine = $"    token: \"{emulator.Api.DefaultToken}\"\n";
        yaml.Should().Contain(tokenLine);
        if (tokenFile)
        {
            var file = Path.Combine(_directory, "token");
            File.WriteAllText(file, emulator.Api.DefaultToken);
            yaml = yaml.Replace(tokenLine, $"    tokenFile: {file}\n", StringComparison.Ordinal);
            tokenLine = $"    tokenFile: {file}\n";
        }

        var path = Path.Combine(_directory, "config");
        File.WriteAllText(path, yaml.Replace(tokenLine, userFields + tokenLine, StringComparison.Ordinal));

        var kubectl = await KubectlTool.RunAsync(["get", "--raw", "/version"], path);
        var ours = await KubeAccessCli.RunAsync(["version"], path);

        kubectl.ExitCode.Should().NotBe(0);
        kubectl.Stderr.Should().Contain(reason);
        ours.ExitCode.Should().NotBe(0, ours.ToString());
        ours.Stderr.Should().Contain(reason).And.Contain(path + ":");
    }

    [Fact]
    public async Task A_kubeconfig_token_is_not_sent_to_a_plain_http_server_as_kubectl_does_not_send_it()
    {
        await using var session = await EmulatorSession.StartAsync(Testing.EmulatorScenario.Empty);
        var http = session.Api;
        var path = Path.Combine(_directory, "config");
        http.WriteKubeconfig(path, Testing.EmulatorAuth.Token);
        File.ReadAllText(path).Should().Contain($"token: \"{http.DefaultToken}\"");

        var kubectl = await KubectlTool.RunAsync(["get", "--raw", "/api"], path);
        var kubectlRequests = http.Requests.Where(r => r.PathAndQuery == "/api").ToList();
        var ours = await KubeAccessCli.RunAsync(["api", "/api"], path);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        kubectlRequests.Should().NotBeEmpty().And.OnlyContain(r => r.User == "system:anonymous", "kubectl sends no credentials over http");
        http.Requests.Where(r => r.PathAndQuery == "/api").Skip(kubectlRequests.Count).Should().NotBeEmpty()
            .And.OnlyContain(r => r.User == "system:anonymous" && !r.Headers.ContainsKey("authorization"), "nor does kube-access");
    }

    [Theory]
    [InlineData("wrong-token", "--token {token}", true)]
    [InlineData("dead-server", "--server {server}", true)]
    [InlineData("", "--insecure-skip-tls-verify", true)]
    [InlineData("", "--insecure-skip-tls-verify --certificate-authority {ca}", false)]
    [InlineData("no-ca", "--certificate-authority {ca}", true)]
    [InlineData("", "--tls-server-name kubernetes.default.svc", true)]
    [InlineData("", "--tls-server-name wrong.example", false)]
    [InlineData("dead-server wrong-token no-ca", "--server {server} --token {token} --certificate-authority {ca}", true)]
    [InlineData("no-current-context", "--server {server} --token {token} --certificate-authority {ca}", true)]
    [InlineData("no-current-context", "--token {token}", false)]
    public async Task Global_flags_lay_over_the_kubeconfig_as_kubectls_do(string kubeconfigChanges, string flags, bool succeeds)
    {
        var ca = Path.Combine(_directory, "ca.crt");
        File.WriteAllText(ca, emulator.Api.CertificateAuthorityPem);
        var yaml = emulator.Api.GetKubeconfig();
        var server = emulator.Api.Url.ToString().TrimEnd('/');
        foreach (var change in kubeconfigChanges.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            yaml = change switch
            {
                "wrong-token" => yaml.Replace(emulator.Api.DefaultToken, "not-a-valid-token", StringComparison.Ordinal),
                "dead-server" => yaml.Replace($"server: {server}", "server: https://127.0.0.1:1", StringComparison.Ordinal),
                "no-current-context" => string.Join('\n', yaml.Split('\n').Where(l => !l.StartsWith("current-context:", StringComparison.Ordinal))),
                "no-ca" => string.Join('\n', yaml.Split('\n').Where(l => !l.Contains("certificate-authority-data:", StringComparison.Ordinal))),
                _ => throw new ArgumentException(change),
            };
        }

        var path = Path.Combine(_directory, "config");
        File.WriteAllText(path, yaml);
        var arguments = flags.Replace("{token}", emulator.Api.DefaultToken, StringComparison.Ordinal)
            .Replace("{server}", server, StringComparison.Ordinal).Replace("{ca}", ca, StringComparison.Ordinal)
            .Split(' ');

        var kubectl = await KubectlTool.RunAsync(["get", "--raw", "/api", .. arguments], path);
        var ours = await KubeAccessCli.RunAsync(["api", "/api", .. arguments], path);

        (kubectl.ExitCode == 0).Should().Be(succeeds, kubectl.ToString());
        (ours.ExitCode == 0).Should().Be(succeeds, ours.ToString());
        if (succeeds)
        {
            JsonCompare.Same(System.Text.Json.Nodes.JsonNode.Parse(ours.Stdout), System.Text.Json.Nodes.JsonNode.Parse(kubectl.Stdout)).Should().BeTrue();
        }
    }
}
