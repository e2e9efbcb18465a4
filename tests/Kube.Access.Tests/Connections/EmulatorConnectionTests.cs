using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using k8s;
using Kube.Access.Testing;
using Microsoft.Extensions.Options;
using Xunit;

namespace Kube.Access.Tests.Connections;

/// <summary>The connection layer against the HTTPS emulator: every way of authenticating and of trusting the server.</summary>
public sealed class EmulatorConnectionTests : IAsyncLifetime, IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly string _dir = Directory.CreateTempSubdirectory("kube-access-emu-").FullName;
    private KubeApiEmulator _api = null!;

    public async Task InitializeAsync() =>
        _api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = true, Scenario = EmulatorScenario.Guide }, Ct);

    public async Task DisposeAsync() => await _api.DisposeAsync();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private KubeEndpoint Endpoint(IKubeCredentialSource credentials, KubeTlsSettings? tls = null) => new()
    {
        Server = _api.Url,
        Tls = tls ?? new KubeTlsSettings { CertificateAuthorityPem = _api.CertificateAuthorityPem },
        Credentials = credentials,
    };

    private EmulatorRequest LastRequestTo(string path) => _api.Requests.Last(r => r.PathAndQuery.StartsWith(path, StringComparison.Ordinal));

    [Fact]
    public async Task Bearer_token_with_the_ca_reaches_discovery_and_the_typed_client()
    {
        await using var connection = new KubeConnection(Endpoint(new StaticCredentialSource(KubeCredential.FromToken(_api.DefaultToken))));
        var probe = await ClusterConnection.ProbeAsync(connection, Ct);
        probe.Version.GitVersion.Should().StartWith("v1.");
        probe.CoreVersions.Should().Contain("v1");
        probe.ServerAddresses.Should().NotBeEmpty();
        LastRequestTo("/api").Headers["authorization"].Should().Be("Bearer " + _api.DefaultToken);

        var pods = await connection.Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct);
        pods.Items.Select(p => p.Metadata.Name).Should().BeEquivalentTo(_api.ListNames("pods", "default"));
    }

    [Fact]
    public async Task Token_file_is_read_and_accepted()
    {
        await using var connection = new KubeConnection(Endpoint(new TokenFileCredentialSource(_api.TokenFile)));
        (await new KubeDiscovery(connection).GetApiGroupsAsync(Ct)).Groups.Should().NotBeEmpty();
        LastRequestTo("/apis").StatusCode.Should().Be(200);
        LastRequestTo("/apis").User.Should().NotBeNull();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Client_certificates_authenticate_as_their_cn(bool ec)
    {
        var (cert, key) = _api.CreateClientCertificate(ec ? "erin-ec" : "rita-rsa", ["system:masters"], ec);
        await using var connection = new KubeConnection(Endpoint(
            AnonymousCredentialSource.Instance,
            new KubeTlsSettings { CertificateAuthorityPem = _api.CertificateAuthorityPem, ClientCertificatePem = cert, ClientKeyPem = key }));
        await new KubeDiscovery(connection).GetVersionAsync(Ct);
        LastRequestTo("/version").User.Should().Be(ec ? "erin-ec" : "rita-rsa");
    }

    [Fact]
    public async Task Basic_auth_authenticates_the_user()
    {
        _api.AddBasicUser("admin", "s3cret");
        await using var connection = new KubeConnection(Endpoint(new StaticCredentialSource(KubeCredential.FromBasic("admin", "s3cret"))));
        await new KubeDiscovery(connection).GetVersionAsync(Ct);
        LastRequestTo("/version").User.Should().Be("admin");
    }

    [Fact]
    public async Task A_wrong_ca_is_rejected_and_the_system_store_does_not_trust_the_emulator()
    {
        using var other = new TestPki("not-the-emulator-ca");
        var token = new StaticCredentialSource(KubeCredential.FromToken(_api.DefaultToken));
        await using (var wrong = new KubeConnection(Endpoint(token, new KubeTlsSettings { CertificateAuthorityPem = other.AuthorityPem })))
        {
            var act = async () => await new KubeDiscovery(wrong).GetVersionAsync(Ct);
            (await act.Should().ThrowAsync<KubeConnectionException>()).Which.Message.Should().Contain("does not chain to the configured certificate authority");
        }

        await using var system = new KubeConnection(Endpoint(token, new KubeTlsSettings()));
        var viaSystem = async () => await new KubeDiscovery(system).GetVersionAsync(Ct);
        await viaSystem.Should().ThrowAsync<KubeConnectionException>();
        _api.Requests.Should().BeEmpty("no request may pass a refused handshake");
    }

    [Fact]
    public async Task Insecure_skip_tls_verify_is_accepted_only_when_set()
    {
        var token = new StaticCredentialSource(KubeCredential.FromToken(_api.DefaultToken));
        await using var insecure = new KubeConnection(Endpoint(token, new KubeTlsSettings { InsecureSkipTlsVerify = true }));
        (await new KubeDiscovery(insecure).GetVersionAsync(Ct)).GitVersion.Should().NotBeNull();

        await using var strict = new KubeConnection(Endpoint(token, new KubeTlsSettings { InsecureSkipTlsVerify = false }));
        var act = async () => await new KubeDiscovery(strict).GetVersionAsync(Ct);
        await act.Should().ThrowAsync<KubeConnectionException>();
    }

    [Fact]
    public async Task Impersonation_headers_are_seen_by_the_server()
    {
        await using var connection = new KubeConnection(Endpoint(new StaticCredentialSource(KubeCredential.FromToken(_api.DefaultToken))) with
        {
            Impersonation = new KubeImpersonation("jane", Groups: ["developers"]),
        });
        await connection.Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct);
        var seen = LastRequestTo("/api/v1/namespaces/default/pods");
        seen.ImpersonatedUser.Should().Be("jane");
        seen.ImpersonatedGroups.Should().Equal("developers");
    }

    [Theory]
    [InlineData(EmulatorAuth.Token)]
    [InlineData(EmulatorAuth.TokenFile)]
    [InlineData(EmulatorAuth.ClientCertificate)]
    [InlineData(EmulatorAuth.Basic)]
    public async Task A_kubeconfig_written_by_the_emulator_resolves_through_the_factory(EmulatorAuth auth)
    {
        var path = Path.Combine(_dir, $"config-{auth}");
        _api.WriteKubeconfig(path, auth, contextName: "emu-" + auth.ToString().ToLowerInvariant(), @namespace: "kube-system");
        var factory = new KubeConnectionFactory(Options.Create(new KubeAccessOptions { KubeconfigPath = path }));
        await using var connection = await factory.CreateDefaultAsync(Ct);
        var probe = await ClusterConnection.ProbeAsync(connection, Ct);
        probe.Context.Should().Be("emu-" + auth.ToString().ToLowerInvariant());
        probe.Namespace.Should().Be("kube-system");
        probe.Server.Should().Be(_api.Url);
        LastRequestTo("/version").User.Should().NotBeNull();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_exec_plugins_client_certificate_authenticates_rest_and_websockets(bool ec)
    {
        // The plugin prints an ExecCredential whose status carries clientCertificateData/clientKeyData
        // (as cloud login plugins do); kubectl offers that certificate in the TLS handshake.
        var (certificatePem, keyPem) = _api.CreateClientCertificate(ec ? "carol" : "alice", ["system:masters"], ec);
        var credentialFile = Path.Combine(_dir, "credential.json");
        await File.WriteAllTextAsync(credentialFile, new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "client.authentication.k8s.io/v1",
            ["kind"] = "ExecCredential",
            ["status"] = new System.Text.Json.Nodes.JsonObject { ["clientCertificateData"] = certificatePem, ["clientKeyData"] = keyPem },
        }.ToJsonString());
        var path = Path.Combine(_dir, "config-exec-cert");
        await File.WriteAllTextAsync(path, $"""
            apiVersion: v1
            kind: Config
            current-context: plugin
            clusters:
            - name: emulator
              cluster:
                server: {_api.Url}
                certificate-authority-data: {Convert.ToBase64String(Encoding.UTF8.GetBytes(_api.CertificateAuthorityPem!))}
            users:
            - name: plugin-user
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: cat
                  args: ["{credentialFile}"]
                  interactiveMode: Never
            contexts:
            - name: plugin
              context:
                cluster: emulator
                user: plugin-user
            """);
        var factory = new KubeConnectionFactory(Options.Create(new KubeAccessOptions { KubeconfigPath = path }));
        await using var connection = await factory.CreateDefaultAsync(Ct);

        var pods = await connection.Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct);

        pods.Items.Should().NotBeEmpty();
        var seen = LastRequestTo("/api/v1/namespaces/default/pods");
        seen.User.Should().Be(ec ? "carol" : "alice");
        seen.Headers.Should().NotContainKey("authorization", "the certificate alone authenticates");

        var mongo = _api.ListNames("pods", "default").First(n => n.StartsWith("mongo", StringComparison.Ordinal));
        (await PortForwardEchoAsync(connection, "default", mongo, 27017, "cert")).Should().Be("cert");
        LastRequestTo($"/api/v1/namespaces/default/pods/{mongo}/portforward").User.Should().Be(ec ? "carol" : "alice");

        // kubectl, given the same kubeconfig, is seen as the same user.
        var kubectl = await Kube.Access.TestSupport.KubectlTool.RunAsync(["get", "--raw", "/api/v1/namespaces/kube-system/pods"], path);
        kubectl.ExitCode.Should().Be(0, kubectl.ToString());
        LastRequestTo("/api/v1/namespaces/kube-system/pods").User.Should().Be(ec ? "carol" : "alice");
    }

    [Fact]
    public async Task A_websocket_to_a_pod_port_forwards_with_the_same_tls_and_credentials()
    {
        await using var connection = new KubeConnection(Endpoint(new StaticCredentialSource(KubeCredential.FromToken(_api.DefaultToken))));
        var mongo = _api.ListNames("pods", "default").First(n => n.StartsWith("mongo", StringComparison.Ordinal));
        (await PortForwardEchoAsync(connection, "default", mongo, 27017, "ping")).Should().Be("ping");
    }

    [Fact]
    public async Task A_refused_websocket_carries_the_status_from_the_server()
    {
        await using var connection = new KubeConnection(Endpoint(new StaticCredentialSource(KubeCredential.FromToken(_api.DefaultToken))));
        var act = async () => await connection.ConnectWebSocketAsync("api/v1/namespaces/default/pods/no-such-pod/portforward?ports=80", ["v4.channel.k8s.io"], Ct);
        var error = (await act.Should().ThrowAsync<KubeApiException>()).Which;
        error.StatusCode.Should().Be(404);
        error.Message.Should().Contain("no-such-pod");
    }

    /// <summary>Port-forward (v4.channel.k8s.io): send <paramref name="text"/> on the data channel, read the echo.</summary>
    internal static async Task<string> PortForwardEchoAsync(IKubeConnection connection, string ns, string pod, int port, string text)
    {
        using var socket = await connection.ConnectWebSocketAsync($"api/v1/namespaces/{ns}/pods/{pod}/portforward?ports={port}", ["v4.channel.k8s.io"], Ct);
        socket.SubProtocol.Should().Be("v4.channel.k8s.io");
        var payload = Encoding.UTF8.GetBytes(text);
        await socket.SendAsync((byte[])[0, .. payload], WebSocketMessageType.Binary, true, Ct);

        var received = new List<byte>();
        var seenPortHeader = new HashSet<byte>();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (received.Count < payload.Length)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close || result.Count == 0)
            {
                break;
            }

            var channel = buffer[0];
            var data = buffer.AsSpan(1, result.Count - 1);
            if (seenPortHeader.Add(channel))
            {
                data = data[2..]; // The first frame of each channel starts with the port number.
            }

            if (channel == 0)
            {
                received.AddRange(data.ToArray());
            }
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, Ct);
        return Encoding.UTF8.GetString(received.ToArray());
    }
}
