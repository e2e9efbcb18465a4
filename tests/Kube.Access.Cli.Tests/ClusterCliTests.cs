using FluentAssertions;
using Kube.Access.TestSupport;

namespace Kube.Access.Cli.Tests;

/// <summary>`kube-access version`, `cluster-info` and `api` against kubectl on the same emulator.</summary>
public sealed class ClusterCliTests(CliEmulatorFixture emulator) : IClassFixture<CliEmulatorFixture>
{
    [Fact]
    public async Task Version_reports_the_servers_git_version_as_kubectl_does()
    {
        var kubectl = await KubectlTool.RunAsync(["version", "-o", "json"], emulator.Kubeconfig);
        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        var serverVersion = System.Text.Json.Nodes.JsonNode.Parse(kubectl.Stdout)!["serverVersion"]!["gitVersion"]!.GetValue<string>();

        var ours = await KubeAccessCli.RunAsync(["version"], emulator.Kubeconfig);

        ours.ExitCode.Should().Be(0, ours.ToString());
        ours.Stdout.Should().Contain($"Server Version: {serverVersion}");
        ours.Stdout.Should().StartWith("Client Version: kube-access ");
    }

    [Fact]
    public async Task Version_client_needs_no_server()
    {
        var ours = await KubeAccessCli.RunAsync(["version", "--client"]);

        ours.ExitCode.Should().Be(0, ours.ToString());
        ours.Stdout.Trim().Split('\n').Should().ContainSingle().Which.Should().StartWith("Client Version: kube-access ");
    }

    [Fact]
    public async Task Cluster_info_prints_kubectls_lines()
    {
        var kubectl = await KubectlTool.RunAsync(["cluster-info"], emulator.Kubeconfig);
        var ours = await KubeAccessCli.RunAsync(["cluster-info"], emulator.Kubeconfig);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        Plain(ours.Stdout).Should().Be(Plain(kubectl.Stdout));
    }

    [Fact]
    public async Task Api_prints_the_discovery_document_kubectl_get_raw_sees()
    {
        var kubectl = await KubectlTool.RunAsync(["get", "--raw", "/api"], emulator.Kubeconfig);
        var ours = await KubeAccessCli.RunAsync(["api", "/api"], emulator.Kubeconfig);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        JsonCompare.Same(System.Text.Json.Nodes.JsonNode.Parse(ours.Stdout), System.Text.Json.Nodes.JsonNode.Parse(kubectl.Stdout))
            .Should().BeTrue($"ours:\n{ours.Stdout}\nkubectl:\n{kubectl.Stdout}");
    }

    [Fact]
    public async Task A_kubeconfig_with_a_ca_and_insecure_skip_tls_verify_is_refused_as_kubectl_refuses_it()
    {
        var directory = Directory.CreateTempSubdirectory("kube-access-insecure-ca-").FullName;
        try
        {
            var path = Path.Combine(directory, "config");
            var yaml = emulator.Api.GetKubeconfig();
            var serverLine = $"    server: {emulator.Api.Url.ToString().TrimEnd('/')}\n";
            yaml.Should().Contain(serverLine).And.Contain("certificate-authority-data:");
            File.WriteAllText(path, yaml.Replace(serverLine, serverLine + "    insecure-skip-tls-verify: true\n", StringComparison.Ordinal));

            var kubectl = await KubectlTool.RunAsync(["get", "--raw", "/version"], path);
            var ours = await KubeAccessCli.RunAsync(["version"], path);

            const string Refusal = "specifying a root certificates file with the insecure flag is not allowed";
            kubectl.ExitCode.Should().NotBe(0);
            kubectl.Stderr.Should().Contain(Refusal);
            ours.ExitCode.Should().NotBe(0, ours.ToString());
            ours.Stderr.Should().Contain(Refusal).And.Contain(path).And.Contain("insecure-skip-tls-verify");
            ours.Stdout.Should().NotContain("Server Version", "nothing reached the server");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
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
        var directory = Directory.CreateTempSubdirectory("kube-access-user-checks-").FullName;
        try
        {
            var yaml = emulator.Api.GetKubeconfig();
            var tokenLine = $"    token: \"{emulator.Api.DefaultToken}\"\n";
            yaml.Should().Contain(tokenLine);
            if (tokenFile)
            {
                var file = Path.Combine(directory, "token");
                File.WriteAllText(file, emulator.Api.DefaultToken);
                yaml = yaml.Replace(tokenLine, $"    tokenFile: {file}\n", StringComparison.Ordinal);
                tokenLine = $"    tokenFile: {file}\n";
            }

            var path = Path.Combine(directory, "config");
            File.WriteAllText(path, yaml.Replace(tokenLine, userFields + tokenLine, StringComparison.Ordinal));

            var kubectl = await KubectlTool.RunAsync(["get", "--raw", "/version"], path);
            var ours = await KubeAccessCli.RunAsync(["version"], path);

            kubectl.ExitCode.Should().NotBe(0);
            kubectl.Stderr.Should().Contain(reason);
            ours.ExitCode.Should().NotBe(0, ours.ToString());
            ours.Stderr.Should().Contain(reason).And.Contain(path + ":");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_kubeconfig_token_is_not_sent_to_a_plain_http_server_as_kubectl_does_not_send_it()
    {
        await using var http = await Testing.KubeApiEmulator.StartAsync(new Testing.KubeApiEmulatorOptions { Scenario = Testing.EmulatorScenario.Empty });
        var directory = Directory.CreateTempSubdirectory("kube-access-http-token-").FullName;
        try
        {
            var path = Path.Combine(directory, "config");
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
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
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
    public async Task Global_flags_lay_over_the_kubeconfig_as_kubectls_do(string kubeconfigChanges, string flags, bool succeeds)
    {
        var directory = Directory.CreateTempSubdirectory("kube-access-overrides-").FullName;
        try
        {
            var ca = Path.Combine(directory, "ca.crt");
            File.WriteAllText(ca, emulator.Api.CertificateAuthorityPem);
            var yaml = emulator.Api.GetKubeconfig();
            var server = emulator.Api.Url.ToString().TrimEnd('/');
            foreach (var change in kubeconfigChanges.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                yaml = change switch
                {
                    "wrong-token" => yaml.Replace(emulator.Api.DefaultToken, "not-a-valid-token", StringComparison.Ordinal),
                    "dead-server" => yaml.Replace($"server: {server}", "server: https://127.0.0.1:1", StringComparison.Ordinal),
                    "no-ca" => string.Join('\n', yaml.Split('\n').Where(l => !l.Contains("certificate-authority-data:", StringComparison.Ordinal))),
                    _ => throw new ArgumentException(change),
                };
            }

            var path = Path.Combine(directory, "config");
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
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Output without ANSI colour sequences (kubectl colours cluster-info only on a terminal, but be safe).</summary>
    private static string Plain(string text) => System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;]*m", string.Empty);
}
