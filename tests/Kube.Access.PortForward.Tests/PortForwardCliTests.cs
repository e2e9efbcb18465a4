using System.Net;
using System.Net.Sockets;
using System.Text;
using FluentAssertions;
using Kube.Access.Testing;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.PortForward.Tests;

/// <summary><c>kube-access port-forward</c> run as a process against the emulator: kubectl's lines, a real connection through it.</summary>
public sealed class PortForwardCliTests : IClassFixture<PortForwardFixture>
{
    private readonly PortForwardFixture _fx;

    public PortForwardCliTests(PortForwardFixture fx) => _fx = fx;

    [Fact]
    public async Task Prints_kubectls_forwarding_lines_and_handles_a_connection_with_a_kubeconfig()
    {
        var ct = PortForwardFixture.Timeout();
        var directory = Directory.CreateTempSubdirectory("kube-access-pf-cli-");
        try
        {
            var kubeconfig = Path.Combine(directory.FullName, "config");
            _fx.Api.WriteKubeconfig(kubeconfig, EmulatorAuth.Token);
            var pod = await _fx.MongoPodAsync();
            await using var cli = KubeAccessCli.Start(["port-forward", $"pod/{pod}", ":27017", "-n", "default"], kubeconfig);
            await RunThroughAsync(cli, ct);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Works_with_server_token_and_certificate_authority_for_a_deployment()
    {
        var ct = PortForwardFixture.Timeout();
        await using var emulator = await EmulatorSession.StartAsync(EmulatorScenario.Guide, https: true);
        var https = emulator.Api;
        var ca = emulator.WriteFile("ca.crt", https.CertificateAuthorityPem!);
        await using var cli = KubeAccessCli.Start(
            ["port-forward", "deployment/mongo", ":27017", "-n", "default", "--server", https.Url.ToString(), "--token", https.DefaultToken, "--certificate-authority", ca]);
        await RunThroughAsync(cli, ct);
        https.Requests.Should().Contain(r => r.PathAndQuery.Contains("/portforward", StringComparison.Ordinal) && r.User == "kube-access-admin", "the HTTPS emulator admits only the token's user");
    }

    [Fact]
    public async Task A_token_for_a_plain_http_server_is_not_sent_as_kubectl_does_not_send_it()
    {
        var ct = PortForwardFixture.Timeout();
        await using var cli = KubeAccessCli.Start(
            ["port-forward", "deployment/mongo", ":27017", "-n", "default", "--server", _fx.Api.Url.ToString(), "--token", _fx.Api.DefaultToken]);
        await RunThroughAsync(cli, ct, expectedStderr: $"warning: --token is not sent to {_fx.Api.Url.GetLeftPart(UriPartial.Authority)}: credentials go only to https:// servers, as with kubectl.");
        _fx.Api.Requests.Where(r => r.PathAndQuery.Contains("/portforward", StringComparison.Ordinal) || r.PathAndQuery.Contains("/deployments/mongo", StringComparison.Ordinal))
            .Should().NotBeEmpty().And.OnlyContain(r => !r.Headers.ContainsKey("authorization"), "no bearer token crosses plain http");
    }

    private static async Task RunThroughAsync(RunningTool cli, CancellationToken ct, string? expectedStderr = null)
    {
        var line = await cli.WaitForLineAsync(l => l.StartsWith("Forwarding from 127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var port = int.Parse(line["Forwarding from 127.0.0.1:".Length..line.IndexOf(' ', "Forwarding from ".Length)], System.Globalization.CultureInfo.InvariantCulture);
        line.Should().Be($"Forwarding from 127.0.0.1:{port} -> 27017");
        if (Socket.OSSupportsIPv6)
        {
            await cli.WaitForLineAsync(l => l == $"Forwarding from [::1]:{port} -> 27017", TimeSpan.FromMinutes(1));
        }

        var reply = await PortForwardFixture.EchoAsync(new IPEndPoint(IPAddress.Loopback, port), Encoding.ASCII.GetBytes("ping through the CLI"), ct);
        Encoding.ASCII.GetString(reply).Should().Be("ping through the CLI");
        await cli.WaitForLineAsync(l => l == $"Handling connection for {port}", TimeSpan.FromMinutes(1));
        if (expectedStderr is null)
        {
            cli.StderrLines.Should().BeEmpty(cli.Describe());
        }
        else
        {
            cli.StderrLines.Should().Equal([expectedStderr], cli.Describe());
        }
    }
}
