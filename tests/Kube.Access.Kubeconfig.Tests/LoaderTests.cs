using FluentAssertions;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Kubeconfig.Tests;

public sealed class LoaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Loading_precedence_follows_client_go()
    {
        var loader = KubeconfigLoader.Instance;
        var sep = Path.PathSeparator;
        loader.GetLoadingPrecedence(new() { ExplicitPath = "x", KubeconfigVariable = "a" }).Should().Equal("x");
        loader.GetLoadingPrecedence(new() { KubeconfigVariable = $"a{sep}{sep}b{sep}a{sep}c" }).Should().Equal("a", "b", "c");
        loader.GetLoadingPrecedence(new() { UseEnvironment = false, HomeDirectory = "/home/u" }).Should().Equal(Path.Combine("/home/u", ".kube", "config"));
        loader.GetDefaultFilename(new() { KubeconfigVariable = $"{_dir.File("nope1")}{sep}{_dir.File("nope2")}" }).Should().Be(_dir.File("nope2"));
        _dir.Write("exists", string.Empty);
        loader.GetDefaultFilename(new() { KubeconfigVariable = $"{_dir.File("nope1")}{sep}{_dir.File("exists")}" }).Should().Be(_dir.File("exists"));
    }

    [Fact]
    public async Task Home_directory_fallback_is_injectable()
    {
        _dir.Write(".kube/config", "current-context: home\ncontexts:\n- name: home\n  context: {cluster: c}\n");
        var config = await KubeconfigLoader.Instance.LoadAsync(new() { UseEnvironment = false, HomeDirectory = _dir.Path });
        config.CurrentContext.Should().Be("home");
        config.Files.Should().Equal(_dir.File(".kube/config"));
    }

    [Theory]
    [InlineData("certificate-authority-data: TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2c9PQ==")]
    [InlineData("certificate-authority: ca.crt")]
    public async Task A_cluster_with_a_certificate_authority_and_insecure_skip_tls_verify_is_refused_naming_both(string authority)
    {
        var path = _dir.Write("config", $"current-context: x\ncontexts:\n- name: x\n  context: {{cluster: c}}\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true\n    {authority}\n");
        var config = await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = path });

        var e = (await config.Invoking(c => c.ResolveEndpointAsync()).Should().ThrowAsync<KubeconfigException>()).Which;

        e.File.Should().Be(path);
        e.Line.Should().Be(6, "the cluster entry");
        e.Field.Should().Be("clusters.c.insecure-skip-tls-verify");
        e.Message.Should().Contain("specifying a root certificates file with the insecure flag is not allowed").And.Contain(authority.Split(':')[0]);
    }

    [Fact]
    public async Task Insecure_skip_tls_verify_beside_a_certificate_authority_is_accepted_for_an_http_server_as_kubectl_accepts_it()
    {
        var path = _dir.Write("config", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:8080\n    insecure-skip-tls-verify: true\n    certificate-authority-data: TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2c9PQ==\n");
        var config = await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = path });

        var endpoint = await config.ResolveEndpointAsync();

        endpoint.Server.Should().Be(new Uri("http://127.0.0.1:8080"));
    }

    [Theory]
    [InlineData("https://127.0.0.1:6443", true)]
    [InlineData("http://127.0.0.1:8001", false)]
    public async Task Kubeconfig_credentials_go_only_to_https_servers_as_in_client_go(string server, bool sent)
    {
        var path = _dir.Write("config", $"current-context: x\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\nclusters:\n- name: c\n  cluster:\n    server: {server}\nusers:\n- name: u\n  user:\n    token: secret\n    as: someone\n");
        var config = await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = path });

        var endpoint = await config.ResolveEndpointAsync();

        var credential = await endpoint.Credentials.GetCredentialAsync(CancellationToken.None);
        (credential.BearerToken == "secret").Should().Be(sent);
        (endpoint.Impersonation?.UserName == "someone").Should().Be(sent);
    }

    [Fact]
    public async Task A_missing_explicit_file_is_an_error_naming_it()
    {
        var path = _dir.File("absent");
        var act = () => KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = path });
        (await act.Should().ThrowAsync<KubeconfigException>()).Which.File.Should().Be(path);
    }

    [Theory]
    [InlineData("clusters:\n- name: c\n  cluster:\n    server: yes\n", 4, 13, "clusters[0].cluster.server")]
    [InlineData("clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: \"true\"\n", 4, 31, "clusters[0].cluster.insecure-skip-tls-verify")]
    [InlineData("users:\n- name: u\n  user:\n    client-key-data: not*base64\n", 4, 22, "users[0].user.client-key-data")]
    [InlineData("clusters: {a: b}\n", 1, 11, "clusters")]
    [InlineData("contexts:\n- name: [x]\n", 2, 9, "contexts[0].name")]
    [InlineData("users:\n- name: n\n", 2, 9, "users[0].name")]
    [InlineData("contexts:\n- name: a\n- name: b\n- name: a\n", 4, 3, "contexts[2].name")]
    public void Malformed_fields_name_file_line_column_and_field(string yaml, int line, int column, string field)
    {
        var act = () => KubeconfigParser.Parse(yaml, "cfg.yaml");
        var e = act.Should().Throw<KubeconfigException>().Which;
        e.File.Should().Be("cfg.yaml");
        e.Line.Should().Be(line);
        e.Column.Should().Be(column);
        e.Field.Should().Be(field);
        e.Message.Should().StartWith($"cfg.yaml:{line}:{column}: {field}: ");
    }

    [Fact]
    public async Task Kubectl_rejects_what_we_reject()
    {
        foreach (var yaml in new[]
        {
            "clusters:\n- name: c\n  cluster:\n    server: yes\n",
            "users:\n- name: n\n",
            "clusters: {a: b}\n",
            "users:\n- name: u\n  user:\n    client-key-data: not*base64\n",
            "apiVersion: v2\n",
            "contexts:\n- name: a\n- name: b\n- name: a\n",
            "clusters:\n- name: c\n  cluster:\n    server: [\n",
        })
        {
            var file = _dir.Write("bad", yaml);
            var kubectl = await KubectlTool.RunAsync(["config", "view"], kubeconfigVariable: file, workingDirectory: _dir.Path);
            kubectl.ExitCode.Should().NotBe(0, yaml);
            var act = () => KubeconfigParser.Parse(yaml, file);
            act.Should().Throw<KubeconfigException>().Which.Line.Should().BeGreaterThan(0);
        }
    }

    [Fact]
    public void Invalid_yaml_gives_position()
    {
        var act = () => KubeconfigParser.Parse("clusters:\n- name: a\n  cluster: {server: \"x\"\n", "f");
        var e = act.Should().Throw<KubeconfigException>().Which;
        e.File.Should().Be("f");
        e.Line.Should().BeGreaterThan(0);
        e.Column.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Missing_cluster_or_user_names_both_and_unknown_context_lists_contexts()
    {
        var file = _dir.Write("cfg", """
            contexts:
            - name: a
              context: {cluster: nocluster, user: u}
            - name: b
              context: {cluster: c, user: nouser}
            clusters:
            - name: c
              cluster: {server: "https://127.0.0.1:1"}
            """);
        var config = await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = file });
        var e1 = (await config.Invoking(c => c.ResolveEndpointAsync("a")).Should().ThrowAsync<KubeconfigException>()).Which;
        e1.Message.Should().Contain("\"a\"").And.Contain("\"nocluster\"");
        e1.File.Should().Be(file);
        e1.Line.Should().Be(2);
        var e2 = (await config.Invoking(c => c.ResolveEndpointAsync("b")).Should().ThrowAsync<KubeconfigException>()).Which;
        e2.Message.Should().Contain("\"b\"").And.Contain("\"nouser\"");
        var e3 = (await config.Invoking(c => c.ResolveEndpointAsync("zzz")).Should().ThrowAsync<KubeconfigException>()).Which;
        e3.Message.Should().Contain("a, b");
        var e4 = (await config.Invoking(c => c.ResolveEndpointAsync()).Should().ThrowAsync<KubeconfigException>()).Which;
        e4.Message.Should().Contain("current-context");
    }

    [Theory]
    [InlineData("rsa", "pkcs1")]
    [InlineData("rsa", "pkcs8")]
    [InlineData("ec", "sec1")]
    [InlineData("ec", "pkcs8")]
    public async Task Client_certificates_with_rsa_and_ec_keys_load(string algorithm, string format)
    {
        var (cert, key) = algorithm == "rsa" ? TestCerts.Rsa(format) : TestCerts.Ec(format);
        _dir.Write("pki/client.crt", cert);
        _dir.Write("pki/client.key", key);
        var file = _dir.Write("cfg", $"""
            current-context: files
            clusters:
            - name: c
              cluster: {"{"}server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true{"}"}
            users:
            - name: files
              user: {"{"}client-certificate: pki/client.crt, client-key: pki/client.key{"}"}
            - name: data
              user:
                client-certificate-data: {TestCerts.B64(cert)}
                client-key-data: {TestCerts.B64(key)}
            contexts:
            - name: files
              context: {"{"}cluster: c, user: files{"}"}
            - name: data
              context: {"{"}cluster: c, user: data{"}"}
            """);
        var config = await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = file });
        foreach (var ctx in new[] { "files", "data" })
        {
            var endpoint = await config.ResolveEndpointAsync(ctx);
            endpoint.Tls.ClientCertificatePem.Should().Be(cert);
            endpoint.Tls.ClientKeyPem.Should().Be(key);
            using var x509 = KubeconfigCertificates.LoadClientCertificate(endpoint.Tls.ClientCertificatePem!, endpoint.Tls.ClientKeyPem!);
            x509.HasPrivateKey.Should().BeTrue();
        }
    }

    [Fact]
    public async Task Mismatched_key_is_a_kubeconfig_error_on_the_key_field()
    {
        var (cert, _) = TestCerts.Rsa();
        var (_, otherKey) = TestCerts.Ec();
        var file = _dir.Write("cfg", $"""
            clusters:
            - name: c
              cluster: {"{"}server: "https://127.0.0.1:6443"{"}"}
            users:
            - name: u
              user:
                client-certificate-data: {TestCerts.B64(cert)}
                client-key-data: {TestCerts.B64(otherKey)}
            contexts:
            - name: x
              context: {"{"}cluster: c, user: u{"}"}
            """);
        var config = await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = file });
        var e = (await config.Invoking(c => c.ResolveEndpointAsync("x")).Should().ThrowAsync<KubeconfigException>()).Which;
        e.Field.Should().Be("users.u.client-key");
        e.File.Should().Be(file);
    }

    [Fact]
    public async Task Credential_kinds_resolve_to_sources()
    {
        _dir.Write("sub/token", "from-file\n");
        var file = _dir.Write("cfg", """
            clusters:
            - name: c
              cluster: {server: "https://127.0.0.1:6443"}
            users:
            - name: token
              user: {token: abc, as: jane, as-groups: [g1], as-user-extra: {scopes: [s1, s2]}}
            - name: tokenfile
              user: {tokenFile: sub/token}
            - name: basic
              user: {username: admin, password: secret}
            - name: legacy
              user: {auth-provider: {name: gcp}}
            contexts:
            - {name: token, context: {cluster: c, user: token, namespace: web}}
            - {name: tokenfile, context: {cluster: c, user: tokenfile}}
            - {name: basic, context: {cluster: c, user: basic}}
            - {name: legacy, context: {cluster: c, user: legacy}}
            - {name: anon, context: {cluster: c}}
            """);
        var config = await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = file });
        var token = await config.ResolveEndpointAsync("token");
        (await token.Credentials.GetCredentialAsync(default)).BearerToken.Should().Be("abc");
        token.Impersonation!.UserName.Should().Be("jane");
        token.Impersonation.Groups.Should().Equal("g1");
        token.Impersonation.Extra!["scopes"].Should().Equal("s1", "s2");
        token.Namespace.Should().Be("web");
        token.Server.Should().Be(new Uri("https://127.0.0.1:6443"));

        var tf = await config.ResolveEndpointAsync("tokenfile");
        tf.Credentials.Should().BeOfType<TokenFileCredentialSource>().Which.Path.Should().Be(_dir.File("sub/token"));
        (await tf.Credentials.GetCredentialAsync(default)).BearerToken.Should().Be("from-file");
        tf.Namespace.Should().Be("default");

        var basic = await config.ResolveEndpointAsync("basic");
        var cred = await basic.Credentials.GetCredentialAsync(default);
        (cred.Username, cred.Password).Should().Be(("admin", "secret"));

        var legacy = await config.ResolveEndpointAsync("legacy");
        await legacy.Invoking(l => l.Credentials.GetCredentialAsync(default).AsTask()).Should().ThrowAsync<KubeCredentialException>().WithMessage("*gcp*exec*");

        (await config.ResolveEndpointAsync("anon")).Credentials.Should().BeSameAs(AnonymousCredentialSource.Instance);
    }

    [Fact]
    public async Task Unknown_fields_and_extensions_survive_an_edit_round_trip()
    {
        var file = _dir.Write("cfg", """
            apiVersion: v1
            kind: Config
            x-top: {keep: [1, two, true]}
            clusters:
            - name: c
              cluster:
                server: https://a
                x-cluster: kept
                extensions:
                - name: e
                  extension: {deep: {list: [a, b]}}
            users:
            - name: u
              user:
                token: t
                x-user: 42
                exec:
                  command: foo
                  apiVersion: client.authentication.k8s.io/v1
                  interactiveMode: Never
                  x-exec: also
            contexts:
            - name: ctx
              context: {cluster: c, user: u, x-ctx: yes}
            preferences: {x-pref: p}
            """);
        var editor = new KubeconfigEditor();
        await editor.SetClusterAsync("c", new() { Server = "https://b" }, new() { ExplicitPath = file });
        await editor.UseContextAsync("ctx", new() { ExplicitPath = file });
        var text = File.ReadAllText(file);
        var reloaded = KubeconfigParser.Parse(text, file);
        reloaded.FindCluster("c")!.Server.Should().Be("https://b");
        reloaded.CurrentContext.Should().Be("ctx");
        reloaded.UnknownFields.Should().ContainSingle(f => f.Key == "x-top");
        reloaded.FindCluster("c")!.UnknownFields.Should().ContainSingle(f => f.Key == "x-cluster");
        reloaded.FindCluster("c")!.Extensions.Should().ContainSingle(x => x.Name == "e");
        reloaded.FindUser("u")!.UnknownFields.Should().ContainSingle(f => f.Key == "x-user");
        reloaded.FindUser("u")!.Exec!.UnknownFields.Should().ContainSingle(f => f.Key == "x-exec");
        reloaded.FindContext("ctx")!.UnknownFields.Should().ContainSingle(f => f.Key == "x-ctx");
        reloaded.Preferences.UnknownFields.Should().ContainSingle(f => f.Key == "x-pref");
        Structural.Parse(text)!["x-top"]!.ToJsonString().Should().Be("""{"keep":[1,"two",true]}""");

        // kubectl still reads what we wrote and agrees on everything it knows.
        var kubectl = await KubectlTool.RunAsync(["config", "view", "--raw", "-o", "json"], kubeconfigVariable: file, workingDirectory: _dir.Path);
        kubectl.ExitCode.Should().Be(0);
        KubeconfigView.Render(reloaded, redact: false, KubeconfigOutputFormat.Json).ShouldBeSameAs(kubectl.Stdout);
    }

    [Fact]
    public async Task New_files_are_0600_locks_are_honoured_and_released()
    {
        var file = _dir.File("new/dir/config");
        var editor = new KubeconfigEditor();
        await editor.SetClusterAsync("c", new() { Server = "https://c" }, new() { ExplicitPath = file });
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(file).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Exists(file + ".lock").Should().BeFalse();
        Directory.GetFiles(Path.GetDirectoryName(file)!).Should().Equal(file);

        File.WriteAllText(file + ".lock", string.Empty);
        var before = File.ReadAllText(file);
        var act = () => editor.SetClusterAsync("c", new() { Server = "https://other" }, new() { ExplicitPath = file });
        (await act.Should().ThrowAsync<KubeconfigException>()).Which.Message.Should().Contain(".lock");
        File.ReadAllText(file).Should().Be(before);
        File.Exists(file + ".lock").Should().BeTrue("someone else's lock is not ours to remove");
    }

    [Fact]
    public async Task Existing_file_mode_is_kept_and_a_cancelled_edit_writes_nothing()
    {
        var file = _dir.Write("cfg", "clusters:\n- name: c\n  cluster: {server: \"https://a\"}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        }

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var editor = new KubeconfigEditor();
        var act = () => editor.SetClusterAsync("c", new() { Server = "https://b" }, new() { ExplicitPath = file }, cts.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();
        File.ReadAllText(file).Should().Contain("https://a");
        File.Exists(file + ".lock").Should().BeFalse();

        await editor.SetClusterAsync("c", new() { Server = "https://b" }, new() { ExplicitPath = file });
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(file).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        }

        Directory.GetFiles(_dir.Path).Should().Equal(file);
    }

    [Fact]
    public async Task Concurrent_editors_with_a_lock_timeout_lose_no_update()
    {
        var file = _dir.Write("cfg", string.Empty);
        var editor = new KubeconfigEditor(options: new() { LockTimeout = TimeSpan.FromMinutes(1) });
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => editor.SetContextAsync($"ctx{i}", new() { Cluster = "c" }, new() { ExplicitPath = file }))));
        var config = await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = file });
        config.Contexts.Select(c => c.Name).Order().Should().Equal(Enumerable.Range(0, 12).Select(i => $"ctx{i}").Order());
    }
}
