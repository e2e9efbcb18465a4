using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace Kube.Access.Kubeconfig.Tests;

/// <summary>Exec credential plugins, with a small bash plugin written to a temp dir.</summary>
public sealed class ExecPluginTests : IDisposable
{
    private readonly TempDir _dir = new();

    public ExecPluginTests()
    {
        // Records its argv (one per line), env and KUBERNETES_EXEC_INFO; prints a credential.
        _dir.Write("bin/plugin", """
            #!/bin/bash
            out="$PLUGIN_OUT"
            : > "$out/args"
            for a in "$@"; do printf '%s\n' "$a" >> "$out/args"; done
            printf '%s' "$KUBERNETES_EXEC_INFO" > "$out/info"
            n=$(cat "$out/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$out/count"
            if [ -n "$PLUGIN_FAIL" ]; then echo "boom" >&2; printf '%b' "$PLUGIN_STDERR" >&2; exit 3; fi
            if [ -t 0 ]; then tty=yes; else tty=no; fi
            exp=""
            if [ -n "$PLUGIN_EXPIRES" ]; then exp=",\"expirationTimestamp\":\"$PLUGIN_EXPIRES\""; fi
            printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"token-%s"%s}}' "${PLUGIN_VERSION:-client.authentication.k8s.io/v1}" "$n" "$exp"
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_dir.File("bin/plugin"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        Directory.CreateDirectory(_dir.File("out"));
    }

    public void Dispose() => _dir.Dispose();

    private string Config(string exec, string clusterExtra = "") => _dir.Write("kube/config", $$"""
        current-context: x
        clusters:
        - name: c
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority-data: {{TestCerts.B64("CA-PEM")}}
            tls-server-name: api.local
        {{clusterExtra}}
        users:
        - name: u
          user:
            exec:
        {{exec}}
        contexts:
        - name: x
          context: {cluster: c, user: u}
        """);

    private string Exec(string version = "client.authentication.k8s.io/v1", string mode = "Never", string extra = "") => $"""
              apiVersion: {version}
              command: ../bin/plugin
              interactiveMode: {mode}
              args: ["plain", "with space", "$(touch {_dir.File("pwned")})", "'quoted'", ";", "*"]
              env:
              - name: PLUGIN_OUT
                value: {_dir.File("out")}
        {extra}
        """;

    private async Task<KubeEndpoint> ResolveAsync(string file, KubeconfigResolveOptions? options = null) =>
        await (await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = file })).ResolveEndpointAsync(options: options);

    [Fact]
    public async Task Args_are_an_argument_list_env_and_exec_info_reach_the_plugin()
    {
        var endpoint = await ResolveAsync(Config(Exec(extra: "      provideClusterInfo: true")));
        var credential = await endpoint.Credentials.GetCredentialAsync(default);
        credential.BearerToken.Should().Be("token-1");
        File.ReadAllLines(_dir.File("out/args")).Should().Equal("plain", "with space", $"$(touch {_dir.File("pwned")})", "'quoted'", ";", "*");
        File.Exists(_dir.File("pwned")).Should().BeFalse("arguments never go through a shell");
        var info = JsonNode.Parse(File.ReadAllText(_dir.File("out/info")))!;
        info["kind"]!.GetValue<string>().Should().Be("ExecCredential");
        info["apiVersion"]!.GetValue<string>().Should().Be("client.authentication.k8s.io/v1");
        info["spec"]!["interactive"]!.GetValue<bool>().Should().BeFalse();
        info["spec"]!["cluster"]!["server"]!.GetValue<string>().Should().Be("https://127.0.0.1:6443");
        info["spec"]!["cluster"]!["tls-server-name"]!.GetValue<string>().Should().Be("api.local");
        info["spec"]!["cluster"]!["certificate-authority-data"]!.GetValue<string>().Should().Be(TestCerts.B64("CA-PEM"));
    }

    [Fact]
    public async Task Cluster_info_is_absent_without_provideClusterInfo_and_v1beta1_works()
    {
        var endpoint = await ResolveAsync(Config(Exec("client.authentication.k8s.io/v1beta1", "IfAvailable", "      - name: PLUGIN_VERSION\n        value: client.authentication.k8s.io/v1beta1")));
        (await endpoint.Credentials.GetCredentialAsync(default)).BearerToken.Should().Be("token-1");
        var info = JsonNode.Parse(File.ReadAllText(_dir.File("out/info")))!;
        info["apiVersion"]!.GetValue<string>().Should().Be("client.authentication.k8s.io/v1beta1");
        info["spec"]!["cluster"].Should().BeNull();
    }

    [Fact]
    public async Task Credentials_are_cached_until_expiration()
    {
        var time = new ManualTime();
        var expires = time.Now.AddMinutes(10).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var endpoint = await ResolveAsync(Config(Exec(extra: $"      - name: PLUGIN_EXPIRES\n        value: \"{expires}\"")), new() { TimeProvider = time });
        var first = await endpoint.Credentials.GetCredentialAsync(default);
        first.BearerToken.Should().Be("token-1");
        first.ExpiresAt.Should().Be(time.Now.AddMinutes(10));
        (await endpoint.Credentials.GetCredentialAsync(default)).Should().Be(first);
        time.Now = time.Now.AddMinutes(9);
        (await endpoint.Credentials.GetCredentialAsync(default)).BearerToken.Should().Be("token-1");
        time.Now = time.Now.AddMinutes(2);

        // Past the expiry every answer (this plugin always returns the same past timestamp) is already stale.
        (await endpoint.Credentials.GetCredentialAsync(default)).BearerToken.Should().Be("token-2");
        (await endpoint.Credentials.GetCredentialAsync(default)).BearerToken.Should().Be("token-3");
        File.ReadAllText(_dir.File("out/count")).Trim().Should().Be("3");
    }

    [Fact]
    public async Task Credentials_without_expiry_are_cached_until_invalidated()
    {
        var endpoint = await ResolveAsync(Config(Exec()));
        var first = await endpoint.Credentials.GetCredentialAsync(default);
        (await endpoint.Credentials.GetCredentialAsync(default)).Should().BeSameAs(first);
        (await endpoint.Credentials.InvalidateAsync(KubeCredential.FromToken("someone-else"), default)).Should().BeTrue();
        (await endpoint.Credentials.GetCredentialAsync(default)).Should().BeSameAs(first, "only the rejected credential is dropped");
        (await endpoint.Credentials.InvalidateAsync(first, default)).Should().BeTrue();
        (await endpoint.Credentials.GetCredentialAsync(default)).BearerToken.Should().Be("token-2");
        File.ReadAllText(_dir.File("out/count")).Trim().Should().Be("2");
    }

    [Fact]
    public async Task Missing_command_shows_the_install_hint()
    {
        var endpoint = await ResolveAsync(Config("""
                  apiVersion: client.authentication.k8s.io/v1
                  command: kube-access-no-such-plugin
                  interactiveMode: Never
                  installHint: "brew install kube-access-no-such-plugin"
            """));
        var e = (await endpoint.Invoking(x => x.Credentials.GetCredentialAsync(default).AsTask()).Should().ThrowAsync<KubeCredentialException>()).Which;
        e.Message.Should().Contain("kube-access-no-such-plugin not found").And.Contain("brew install kube-access-no-such-plugin");
    }

    [Fact]
    public async Task Failures_wrong_version_and_interactive_always_are_credential_errors()
    {
        var failing = await ResolveAsync(Config(Exec(extra: "      - name: PLUGIN_FAIL\n        value: \"1\"")));
        (await failing.Invoking(x => x.Credentials.GetCredentialAsync(default).AsTask()).Should().ThrowAsync<KubeCredentialException>()).Which.Message.Should().Contain("exit code 3").And.Contain("boom");

        var wrong = await ResolveAsync(Config(Exec(extra: "      - name: PLUGIN_VERSION\n        value: client.authentication.k8s.io/v1beta1")));
        (await wrong.Invoking(x => x.Credentials.GetCredentialAsync(default).AsTask()).Should().ThrowAsync<KubeCredentialException>()).Which.Message.Should().Contain("plugin returned version client.authentication.k8s.io/v1beta1");

        var runs = File.ReadAllText(_dir.File("out/count"));
        var always = await ResolveAsync(Config(Exec(mode: "Always")));
        (await always.Invoking(x => x.Credentials.GetCredentialAsync(default).AsTask()).Should().ThrowAsync<KubeCredentialException>()).Which.Message.Should().Contain("interactive");
        File.ReadAllText(_dir.File("out/count")).Should().Be(runs, "a plugin that needs a terminal is not started without one");
    }

    [Fact]
    public async Task A_failing_plugins_stderr_is_cut_to_its_last_lines_and_scrubbed_of_tokens()
    {
        var jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl";
        var noise = string.Concat(Enumerable.Range(0, 100).Select(i => $"trace {i} with a long line of diagnostics that nobody needs in an error message\\n"));
        var stderr = noise + $"refreshing token {jwt}\\nAuthorization: Bearer sk-live-0123456789abcdefXYZ\\nerror: refresh failed (password=hunter2-x)\\n";
        var failing = await ResolveAsync(Config(Exec(extra: $"      - name: PLUGIN_FAIL\n        value: \"1\"\n      - name: PLUGIN_STDERR\n        value: \"{stderr}\"")));
        var message = (await failing.Invoking(x => x.Credentials.GetCredentialAsync(default).AsTask()).Should().ThrowAsync<KubeCredentialException>()).Which.Message;
        message.Should().Contain("exit code 3").And.EndWith("error: refresh failed (password=REDACTED)");
        message.Should().NotContainAny(jwt, "sk-live", "hunter2", "trace 0 ", "boom");
        message.Length.Should().BeLessThan(KubeRedaction.MaxErrorOutputLength + 200);
    }

    [Fact]
    public async Task V1_without_interactive_mode_is_a_kubeconfig_error()
    {
        var file = Config("""
                  apiVersion: client.authentication.k8s.io/v1
                  command: ../bin/plugin
            """);
        var config = await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = file });
        (await config.Invoking(c => c.ResolveEndpointAsync()).Should().ThrowAsync<KubeconfigException>()).Which.Field.Should().Be("users.u.exec.interactiveMode");
    }

    [Fact]
    public async Task Allow_list_policy_controls_which_plugins_run()
    {
        var file = Config(Exec());
        var plugin = _dir.File("bin/plugin");
        var denied = await ResolveAsync(file, new() { ExecPolicy = ExecPluginPolicy.DenyAll });
        await denied.Invoking(x => x.Credentials.GetCredentialAsync(default).AsTask()).Should().ThrowAsync<KubeCredentialException>().WithMessage("*policy*");
        var other = await ResolveAsync(file, new() { ExecPolicy = ExecPluginPolicy.Allow("gke-gcloud-auth-plugin", "/usr/bin/other") });
        await other.Invoking(x => x.Credentials.GetCredentialAsync(default).AsTask()).Should().ThrowAsync<KubeCredentialException>();
        File.Exists(_dir.File("out/count")).Should().BeFalse();
        var allowed = await ResolveAsync(file, new() { ExecPolicy = ExecPluginPolicy.Allow(plugin) });
        (await allowed.Credentials.GetCredentialAsync(default)).BearerToken.Should().Be("token-1");
    }

    [Fact]
    public async Task Relative_exec_command_resolves_against_the_kubeconfig_directory()
    {
        // The kubeconfig is in kube/, the plugin in bin/: "../bin/plugin" only works relative to the file.
        var endpoint = await ResolveAsync(Config(Exec()));
        (await endpoint.Credentials.GetCredentialAsync(default)).BearerToken.Should().Be("token-1");
    }
}
