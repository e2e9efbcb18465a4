using FluentAssertions;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Kubeconfig.Tests;

/// <summary>
/// <c>kubectl config view</c> and our view on the same multi-file KUBECONFIG sets: duplicates,
/// missing files, relative paths in several directories, every credential kind.
/// </summary>
public sealed class ViewDifferentialTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _kubeconfig;

    public ViewDifferentialTests()
    {
        var (rsaCert, rsaKey) = TestCerts.Rsa("pkcs1");
        var (ecCert, ecKey) = TestCerts.Ec("sec1");
        _dir.Write("one/ca.crt", rsaCert);
        _dir.Write("one/certs/alice.crt", rsaCert);
        _dir.Write("one/certs/alice.key", rsaKey);
        _dir.Write("two/ca2.crt", ecCert);
        _dir.Write("two/bob.crt", ecCert);
        _dir.Write("two/bob.key", ecKey);
        _dir.Write("one/token", "file-token\n");
        _dir.Write("one/config", $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: prod
              cluster:
                server: https://203.0.113.10:6443
                certificate-authority: ca.crt
                tls-server-name: api.prod
                unknown-cluster-field: kept-by-us
                extensions:
                - name: x.example.com/info
                  extension:
                    region: eu
                    replicas: 3
            - name: shared
              cluster:
                server: https://from-one
            users:
            - name: alice
              user:
                client-certificate: certs/alice.crt
                client-key: certs/alice.key
            - name: tokenuser
              user:
                token: secret-token
            - name: filetoken
              user:
                tokenFile: token
            - name: plugin
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: ./bin/plugin
                  args: ["--flag", "value with space"]
                  env:
                  - name: FOO
                    value: bar
                  installHint: install it
            contexts:
            - name: prod-alice
              context:
                cluster: prod
                user: alice
                namespace: web
            - name: prod-token
              context:
                cluster: prod
                user: tokenuser
            preferences:
              colors: true
            """);
        _dir.Write("two/config", $"""
            clusters:
            - name: shared
              cluster:
                server: https://from-two
                insecure-skip-tls-verify: true
            - name: staging
              cluster:
                server: https://198.51.100.7
                certificate-authority: ../two/ca2.crt
                proxy-url: http://127.0.0.1:3128
            - name: embedded
              cluster:
                server: https://192.0.2.1
                certificate-authority-data: {TestCerts.B64(rsaCert)}
            users:
            - name: bob
              user:
                client-certificate: bob.crt
                client-key-data: {TestCerts.B64(ecKey)}
            - name: basic
              user:
                username: admin
                password: hunter2
            - name: tokenuser
              user:
                token: ignored-second
            - name: legacy
              user:
                auth-provider:
                  name: oidc
                  config:
                    client-id: kube
                    id-token: abc
            - name: imp
              user:
                token: t
                as: jane
                as-groups: [devs, ops]
                as-user-extra:
                  scopes: [view]
            - name: embeddedcert
              user:
                client-certificate-data: {TestCerts.B64(rsaCert)}
                client-key-data: {TestCerts.B64(rsaKey)}
            contexts:
            - name: staging-bob
              context:
                cluster: staging
                user: bob
            - name: prod-alice
              context:
                cluster: shared
                user: basic
            - name: shared-basic
              context:
                cluster: shared
                user: basic
                namespace: kube-system
            - name: legacy
              context:
                cluster: embedded
                user: legacy
            - name: imp
              context:
                cluster: embedded
                user: imp
            - name: embedded
              context:
                cluster: embedded
                user: embeddedcert
            current-context: staging-bob
            """);
        _dir.Write("three/config", """
            users:
            - name: plugin
              user:
                token: never-used
            current-context: prod-token
            """);
        _kubeconfig = string.Join(Path.PathSeparator, _dir.File("one/config"), _dir.File("missing/config"), _dir.File("two/config"), _dir.File("one/config"), _dir.File("three/config"));
    }

    public void Dispose() => _dir.Dispose();

    private Task<Kubeconfig> LoadAsync() => KubeconfigLoader.Instance.LoadAsync(new KubeconfigLoadingOptions { KubeconfigVariable = _kubeconfig, UseEnvironment = false, HomeDirectory = _dir.Path });

    public static TheoryData<string[]> Combinations() => new()
    {
        Array.Empty<string>(),
        new[] { "--raw" },
        new[] { "--minify" },
        new[] { "--minify", "--raw" },
        new[] { "--flatten" },
        new[] { "--flatten", "--minify" },
        new[] { "--minify", "--context", "prod-alice" },
        new[] { "--minify", "--context", "embedded", "--raw" },
        new[] { "--minify", "--flatten", "--context", "staging-bob" },
        new[] { "--context", "imp" },
        new[] { "--minify", "--context", "legacy" },
        new[] { "--minify", "--context", "nope" },
    };

    [Theory]
    [MemberData(nameof(Combinations))]
    public async Task View_matches_kubectl_in_json_and_yaml(string[] flags)
    {
        var config = await LoadAsync();
        foreach (var format in new[] { KubeconfigOutputFormat.Json, KubeconfigOutputFormat.Yaml })
        {
            var args = new List<string> { "config", "view", "-o", format == KubeconfigOutputFormat.Json ? "json" : "yaml" };
            args.AddRange(flags);
            var kubectl = await KubectlTool.RunAsync(args.ToArray(), kubeconfigVariable: _kubeconfig, workingDirectory: _dir.Path);
            var context = flags.SkipWhile(f => f != "--context").Skip(1).FirstOrDefault();
            var options = new KubeconfigViewOptions
            {
                Minify = flags.Contains("--minify"),
                Flatten = flags.Contains("--flatten"),
                Raw = flags.Contains("--raw"),
                Context = context,
                Format = format,
            };
            if (kubectl.ExitCode != 0)
            {
                var act = () => KubeconfigView.RenderAsync(config, options);
                var error = (await act.Should().ThrowAsync<KubeconfigException>()).Which;
                kubectl.Stderr.Should().Contain(error.Reason);
                continue;
            }

            var ours = await KubeconfigView.RenderAsync(config, options);
            ours.ShouldBeSameAs(kubectl.Stdout, string.Join(' ', args));
        }
    }

    [Fact]
    public async Task Minify_without_current_context_fails_like_kubectl()
    {
        var file = _dir.Write("nocurrent", "contexts:\n- name: a\n  context: {cluster: c}\n");
        var kubectl = await KubectlTool.RunAsync(["config", "view", "--minify"], kubeconfigVariable: file, workingDirectory: _dir.Path);
        kubectl.ExitCode.Should().NotBe(0);
        var config = await KubeconfigLoader.Instance.LoadAsync(new KubeconfigLoadingOptions { ExplicitPath = file });
        var act = () => KubeconfigView.RenderAsync(config, new KubeconfigViewOptions { Minify = true });
        var e = (await act.Should().ThrowAsync<KubeconfigException>()).Which;
        e.Reason.Should().Be("current-context must exist in order to minify");
        kubectl.Stderr.Should().Contain(e.Reason);
    }

    [Fact]
    public async Task Flatten_with_missing_referenced_file_fails_like_kubectl_and_names_the_entry()
    {
        var file = _dir.Write("broken/config", "clusters:\n- name: c\n  cluster:\n    server: https://x\n    certificate-authority: nothere.crt\n");
        var kubectl = await KubectlTool.RunAsync(["config", "view", "--flatten"], kubeconfigVariable: file, workingDirectory: _dir.Path);
        kubectl.ExitCode.Should().NotBe(0);
        var config = await KubeconfigLoader.Instance.LoadAsync(new KubeconfigLoadingOptions { ExplicitPath = file });
        var act = () => KubeconfigView.RenderAsync(config, new KubeconfigViewOptions { Flatten = true });
        var e = (await act.Should().ThrowAsync<KubeconfigException>()).Which;
        e.File.Should().Be(file);
        e.Field.Should().Be("clusters.c.certificate-authority");
        kubectl.Stderr.Should().Contain(_dir.File("broken/nothere.crt"));
    }

    [Fact]
    public async Task Empty_and_all_missing_sets_match_kubectl()
    {
        var empty = _dir.Write("empty", string.Empty);
        foreach (var set in new[] { empty, _dir.File("nope1") + Path.PathSeparator + _dir.File("nope2") })
        {
            var kubectl = await KubectlTool.RunAsync(["config", "view", "-o", "json"], kubeconfigVariable: set, workingDirectory: _dir.Path);
            kubectl.ExitCode.Should().Be(0);
            var config = await KubeconfigLoader.Instance.LoadAsync(new KubeconfigLoadingOptions { KubeconfigVariable = set, UseEnvironment = false });
            (await KubeconfigView.RenderAsync(config, new KubeconfigViewOptions { Format = KubeconfigOutputFormat.Json })).ShouldBeSameAs(kubectl.Stdout);
        }
    }

    [Fact]
    public async Task Merged_entries_keep_their_source_file_and_unknown_fields()
    {
        var config = await LoadAsync();
        config.FindCluster("shared")!.Server.Should().Be("https://from-one");
        config.FindCluster("shared")!.Source!.File.Should().Be(_dir.File("one/config"));
        config.FindCluster("staging")!.Source!.File.Should().Be(_dir.File("two/config"));
        config.FindUser("tokenuser")!.Token.Should().Be("secret-token");
        config.FindUser("plugin")!.Exec.Should().NotBeNull();
        config.CurrentContext.Should().Be("staging-bob");
        config.MissingFiles.Should().Equal(_dir.File("missing/config"));
        config.Files.Should().Equal(_dir.File("one/config"), _dir.File("two/config"), _dir.File("three/config"));
        config.FindCluster("prod")!.UnknownFields.Should().ContainSingle(f => f.Key == "unknown-cluster-field");
        var withUnknown = KubeconfigView.Render(config, redact: true, includeUnknownFields: true);
        withUnknown.Should().Contain("unknown-cluster-field: kept-by-us");
    }

    [Fact]
    public async Task Relative_paths_resolve_against_the_file_that_defined_them()
    {
        var config = await LoadAsync();
        var staging = await config.ResolveEndpointAsync("staging-bob");
        staging.Tls.CertificateAuthorityPem.Should().Be(File.ReadAllText(_dir.File("two/ca2.crt")));
        staging.Tls.ClientCertificatePem.Should().Be(File.ReadAllText(_dir.File("two/bob.crt")));
        staging.ProxyUrl.Should().Be(new Uri("http://127.0.0.1:3128"));
        var prod = await config.ResolveEndpointAsync("prod-token");
        prod.Tls.CertificateAuthorityPem.Should().Be(File.ReadAllText(_dir.File("one/ca.crt")));
        prod.Tls.TlsServerName.Should().Be("api.prod");
    }
}
