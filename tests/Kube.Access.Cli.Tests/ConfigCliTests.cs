using FluentAssertions;
using Kube.Access.TestSupport;

namespace Kube.Access.Cli.Tests;

/// <summary>
/// `kube-access config` read and write commands against kubectl on the same files: a KUBECONFIG list of two
/// files, and the global flags (--kubeconfig, --context) given before or after `config` as kubectl takes them.
/// </summary>
public sealed class ConfigCliTests : IDisposable
{
    private const string First = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: zeta
          cluster:
            server: https://zeta.example:6443
        - name: alpha
          cluster:
            server: https://alpha.example:6443
            insecure-skip-tls-verify: true
        users:
        - name: u2
          user:
            token: secret-two
        - name: u1
          user:
            username: admin
            password: pw
        contexts:
        - name: dev
          context:
            cluster: alpha
            user: u1
            namespace: team-a
        - name: prod
          context:
            cluster: zeta
            user: u2
        """;

    private const string Second = """
        apiVersion: v1
        kind: Config
        current-context: prod
        clusters:
        - name: beta
          cluster:
            server: https://beta.example
        users:
        - name: u0
          user:
            token: zero
        contexts:
        - name: qa
          context:
            cluster: beta
            user: u0
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("kube-access-config-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("config", "get-users")]
    [InlineData("config", "get-contexts")]
    [InlineData("config", "get-contexts", "--no-headers")]
    [InlineData("config", "get-contexts", "-o", "name")]
    [InlineData("config", "get-contexts", "qa")]
    [InlineData("config", "current-context")]
    [InlineData("config", "view")]
    [InlineData("config", "view", "-o", "json")]
    [InlineData("config", "view", "--raw")]
    [InlineData("config", "view", "--minify")]
    [InlineData("--context", "prod", "config", "view", "--minify")]
    [InlineData("config", "view", "--minify", "--context", "qa")]
    public async Task Read_commands_print_what_kubectl_prints_for_a_kubeconfig_list(params string[] arguments)
    {
        var list = WriteList();

        var kubectl = await KubectlTool.RunAsync(arguments, kubeconfigVariable: list);
        var ours = await KubeAccessCli.RunAsync(arguments, kubeconfig: list);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        ours.Stdout.Should().Be(kubectl.Stdout);
    }

    [Fact]
    public async Task Get_clusters_lists_the_merged_clusters_kubectl_lists()
    {
        var list = WriteList();

        var kubectl = await KubectlTool.RunAsync(["config", "get-clusters"], kubeconfigVariable: list);
        var ours = await KubeAccessCli.RunAsync(["config", "get-clusters"], kubeconfig: list);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        var theirs = kubectl.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        theirs[0].Should().Be("NAME");
        ours.Stdout.Should().Be("NAME\n" + string.Concat(theirs.Skip(1).Order(StringComparer.Ordinal).Select(n => n + "\n")),
            "the same names (kubectl prints them in Go map order, we sort them)");
    }

    [Theory]
    [InlineData("--kubeconfig", "{file}", "config", "use-context", "prod")]
    [InlineData("config", "use-context", "prod", "--kubeconfig", "{file}")]
    [InlineData("--kubeconfig", "{file}", "config", "set-context", "dev", "--namespace", "team-b")]
    [InlineData("--kubeconfig", "{file}", "config", "delete-user", "u2")]
    public async Task Write_commands_take_kubeconfig_before_or_after_config_as_kubectl_does(params string[] arguments)
    {
        var theirsFile = Write("theirs", First);
        var oursFile = Write("ours", First);
        var other = Write("untouched", Second);

        var kubectl = await KubectlTool.RunAsync(arguments.Select(a => a.Replace("{file}", theirsFile, StringComparison.Ordinal)), kubeconfigVariable: other);
        var ours = await KubeAccessCli.RunAsync(arguments.Select(a => a.Replace("{file}", oursFile, StringComparison.Ordinal)), kubeconfig: other);

        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        ours.ExitCode.Should().Be(0, ours.ToString());
        ours.Stdout.Should().Be(kubectl.Stdout.Replace(theirsFile, oursFile, StringComparison.Ordinal));
        var theirsAfter = await KubectlTool.RunAsync(["config", "view", "--raw", "-o", "json"], theirsFile);
        var oursAfter = await KubectlTool.RunAsync(["config", "view", "--raw", "-o", "json"], oursFile);
        oursAfter.Stdout.Should().Be(theirsAfter.Stdout, "both edits leave the same kubeconfig");
        File.ReadAllText(other).Should().Be(Second.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n", "the KUBECONFIG file named by no flag is not written");
    }

    private string WriteList() => Write("first", First) + Path.PathSeparator + Write("second", Second);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        return path;
    }
}
