using FluentAssertions;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Kubeconfig.Tests;

/// <summary>
/// The same edit sequence run by kubectl on one copy of the files and by us on another (same
/// paths, restored in between): every file must end up structurally equal, step by step.
/// </summary>
public sealed class EditDifferentialTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed record Step(string[] Kubectl, Func<IKubeconfigEditor, KubeconfigLoadingOptions, Task<KubeconfigEditResult>> Ours);

    private static Step S(string[] kubectl, Func<IKubeconfigEditor, KubeconfigLoadingOptions, Task<KubeconfigEditResult>> ours) => new(kubectl, ours);

    /// <summary>Runs <paramref name="steps"/> with kubectl and with us, comparing all files after every step.</summary>
    private async Task RunAsync(string? kubeconfigVariable, string? explicitFile, IReadOnlyList<Step> steps)
    {
        var editor = new KubeconfigEditor(options: new KubeconfigEditorOptions { WorkingDirectory = _dir.Path });
        var files = new KubeconfigLoadingOptions { KubeconfigVariable = kubeconfigVariable, ExplicitPath = explicitFile, UseEnvironment = false, HomeDirectory = _dir.Path };
        var state = _dir.Snapshot();
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            _dir.Restore(state);
            var args = explicitFile is null ? step.Kubectl : ["--kubeconfig", explicitFile, .. step.Kubectl];
            var kubectl = await KubectlTool.RunAsync(args, kubeconfigVariable: kubeconfigVariable, workingDirectory: _dir.Path);
            var theirs = _dir.Snapshot();

            _dir.Restore(state);
            var what = $"step {i}: kubectl {string.Join(' ', step.Kubectl)}";
            if (kubectl.ExitCode != 0)
            {
                var act = () => step.Ours(editor, files);
                await act.Should().ThrowAsync<KubeconfigException>(what + " failed in kubectl: " + kubectl.Stderr);
            }
            else
            {
                var result = await step.Ours(editor, files);
                kubectl.Stdout.Trim().Should().Be(result.Message, what);
            }

            var ours = _dir.Snapshot();
            ours.Keys.Order().Should().Equal(theirs.Keys.Order(), what + " should write the same files");
            foreach (var (file, content) in theirs)
            {
                ours[file].ShouldBeSameAs(content, $"{what}, file {file}");
            }

            state = theirs;
        }
    }

    [Fact]
    public async Task Guide_config_demo_exercise_step_by_step()
    {
        // Chapter 3 of the guide ("multi-cluster access"): the config-exercise directory.
        _dir.Write("config-demo", """
            apiVersion: v1
            kind: Config
            preferences: {}

            clusters:
            - cluster:
              name: development
            - cluster:
              name: scratch

            users:
            - name: developer
            - name: experimenter

            contexts:
            - context:
              name: dev-frontend
            - context:
              name: dev-storage
            - context:
              name: exp-scratch
            """);
        var demo = _dir.File("config-demo");
        await RunAsync(null, demo,
        [
            S(["config", "set-cluster", "development", "--server=https://1.2.3.4", "--certificate-authority=fake-ca-file"],
                (e, f) => e.SetClusterAsync("development", new() { Server = "https://1.2.3.4", CertificateAuthority = "fake-ca-file" }, f)),
            S(["config", "set-cluster", "scratch", "--server=https://5.6.7.8", "--insecure-skip-tls-verify"],
                (e, f) => e.SetClusterAsync("scratch", new() { Server = "https://5.6.7.8", InsecureSkipTlsVerify = true }, f)),
            S(["config", "set-credentials", "developer", "--client-certificate=fake-cert-file", "--client-key=fake-key-seefile"],
                (e, f) => e.SetCredentialsAsync("developer", new() { ClientCertificate = "fake-cert-file", ClientKey = "fake-key-seefile" }, f)),
            S(["config", "set-credentials", "experimenter", "--username=exp", "--password=some-password"],
                (e, f) => e.SetCredentialsAsync("experimenter", new() { Username = "exp", Password = "some-password" }, f)),
            S(["config", "set-context", "dev-frontend", "--cluster=development", "--namespace=frontend", "--user=developer"],
                (e, f) => e.SetContextAsync("dev-frontend", new() { Cluster = "development", Namespace = "frontend", User = "developer" }, f)),
            S(["config", "set-context", "dev-storage", "--cluster=development", "--namespace=storage", "--user=developer"],
                (e, f) => e.SetContextAsync("dev-storage", new() { Cluster = "development", Namespace = "storage", User = "developer" }, f)),
            S(["config", "set-context", "exp-scratch", "--cluster=scratch", "--namespace=default", "--user=experimenter"],
                (e, f) => e.SetContextAsync("exp-scratch", new() { Cluster = "scratch", Namespace = "default", User = "experimenter" }, f)),
            S(["config", "use-context", "dev-frontend"], (e, f) => e.UseContextAsync("dev-frontend", f)),
        ]);

        // kubectl config view / view --minify after each use-context, as the guide shows.
        foreach (var ctx in new[] { "dev-frontend", "exp-scratch", "dev-storage" })
        {
            await RunAsync(null, demo, [S(["config", "use-context", ctx], (e, f) => e.UseContextAsync(ctx, f))]);
            foreach (var minify in new[] { false, true })
            {
                var kubectl = await KubectlTool.RunAsync(minify ? ["--kubeconfig", demo, "config", "view", "--minify"] : ["--kubeconfig", demo, "config", "view"], kubeconfigVariable: null, workingDirectory: _dir.Path);
                var config = await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = demo });
                (await KubeconfigView.RenderAsync(config, new() { Minify = minify })).ShouldBeSameAs(kubectl.Stdout, $"view minify={minify} after use-context {ctx}");
            }
        }

        // config-demo-2 merged through KUBECONFIG.
        _dir.Write("config-demo-2", """
            apiVersion: v1
            kind: Config
            preferences: {}

            contexts:
            - context:
                cluster: development
                namespace: ramp
                user: developer
              name: dev-ramp-up
            """);
        var set = string.Join(Path.PathSeparator, demo, _dir.File("config-demo-2"));
        var merged = await KubectlTool.RunAsync(["config", "view"], kubeconfigVariable: set, workingDirectory: _dir.Path);
        var ours = await KubeconfigLoader.Instance.LoadAsync(new() { KubeconfigVariable = set, UseEnvironment = false });
        (await KubeconfigView.RenderAsync(ours)).ShouldBeSameAs(merged.Stdout, "merged config-demo:config-demo-2");
        ours.FindContext("dev-ramp-up")!.Source!.File.Should().Be(_dir.File("config-demo-2"));

        // The guide then unsets entries with `config unset users.<name>` etc.
        await RunAsync(null, demo,
        [
            S(["config", "unset", "users.experimenter"], (e, f) => e.UnsetAsync("users.experimenter", f)),
            S(["config", "unset", "clusters.scratch"], (e, f) => e.UnsetAsync("clusters.scratch", f)),
            S(["config", "unset", "contexts.exp-scratch"], (e, f) => e.UnsetAsync("contexts.exp-scratch", f)),
        ]);
    }

    [Fact]
    public async Task Multi_file_edit_sequence_writes_the_files_kubectl_writes()
    {
        _dir.Write("ca-outside.crt", "CA");
        _dir.Write("a/ca.crt", "CA");
        _dir.Write("a/config", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c1
              cluster:
                server: https://c1
                certificate-authority: ca.crt
            - name: dup
              cluster:
                server: https://dup-a
            users:
            - name: u1
              user:
                token: t1
            - name: u2
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./plug
                  args: [x]
                  env:
                  - name: A
                    value: "1"
                  interactiveMode: Never
            contexts:
            - name: ctx1
              context:
                cluster: c1
                user: u1
                namespace: ns1
            """);
        _dir.Write("b/config", """
            clusters:
            - name: dup
              cluster:
                server: https://dup-b
            - name: c2
              cluster:
                server: https://c2
                certificate-authority: ../ca-outside.crt
            users:
            - name: u3
              user:
                username: bob
                password: pw
                client-certificate: certs/u3.crt
                tokenFile: ../tok
            - name: u4
              user:
                auth-provider:
                  name: oidc
                  config:
                    client-id: x
            contexts:
            - name: ctx2
              context:
                cluster: c2
                user: u3
            - name: ctx3
              context:
                cluster: dup
                user: u4
            current-context: ctx2
            """);
        var set = string.Join(Path.PathSeparator, _dir.File("a/config"), _dir.File("b/config"));
        await RunAsync(set, null,
        [
            S(["config", "use-context", "ctx1"], (e, f) => e.UseContextAsync("ctx1", f)),
            S(["config", "use-context", "nope"], (e, f) => e.UseContextAsync("nope", f)),
            S(["config", "set-cluster", "newc", "--server=https://new", "--tls-server-name=n", "--proxy-url=http://127.0.0.1:8080"],
                (e, f) => e.SetClusterAsync("newc", new() { Server = "https://new", TlsServerName = "n", ProxyUrl = "http://127.0.0.1:8080" }, f)),
            S(["config", "set-cluster", "c2", "--tls-server-name=c2.local"], (e, f) => e.SetClusterAsync("c2", new() { TlsServerName = "c2.local" }, f)),
            S(["config", "set-cluster", "dup", "--insecure-skip-tls-verify=true"], (e, f) => e.SetClusterAsync("dup", new() { InsecureSkipTlsVerify = true }, f)),
            S(["config", "set-cluster", "c1", "--certificate-authority=a/ca.crt", "--embed-certs"], (e, f) => e.SetClusterAsync("c1", new() { CertificateAuthority = "a/ca.crt", EmbedCerts = true }, f)),
            S(["config", "set-context", "ctx2", "--namespace=zz"], (e, f) => e.SetContextAsync("ctx2", new() { Namespace = "zz" }, f)),
            S(["config", "set-context", "--current", "--namespace=cur"], (e, f) => e.SetContextAsync(null, new() { Namespace = "cur" }, f)),
            S(["config", "set-context", "brandnew", "--cluster=c2", "--user=u1"], (e, f) => e.SetContextAsync("brandnew", new() { Cluster = "c2", User = "u1" }, f)),
            S(["config", "set-credentials", "u3", "--token=tok3"], (e, f) => e.SetCredentialsAsync("u3", new() { Token = "tok3" }, f)),
            S(["config", "set-credentials", "u1", "--username=x", "--password=y"], (e, f) => e.SetCredentialsAsync("u1", new() { Username = "x", Password = "y" }, f)),
            S(["config", "set-credentials", "u2", "--exec-arg=p,q", "--exec-env=B=2", "--exec-env=A-", "--exec-api-version=client.authentication.k8s.io/v1beta1"],
                (e, f) => e.SetCredentialsAsync("u2", new() { ExecArgs = ["p", "q"], ExecEnv = ["B=2", "A-"], ExecApiVersion = "client.authentication.k8s.io/v1beta1" }, f)),
            S(["config", "set-credentials", "u2", "--exec-command=other", "--exec-interactive-mode=Never", "--exec-provide-cluster-info=true"],
                (e, f) => e.SetCredentialsAsync("u2", new() { ExecCommand = "other", ExecInteractiveMode = "Never", ExecProvideClusterInfo = true }, f)),
            S(["config", "set-credentials", "newexec", "--exec-command=/usr/bin/plugin", "--exec-api-version=client.authentication.k8s.io/v1", "--exec-arg=--one"],
                (e, f) => e.SetCredentialsAsync("newexec", new() { ExecCommand = "/usr/bin/plugin", ExecApiVersion = "client.authentication.k8s.io/v1", ExecArgs = ["--one"] }, f)),
            S(["config", "set-credentials", "u4", "--auth-provider-arg=client-secret=s", "--auth-provider-arg=client-id-"],
                (e, f) => e.SetCredentialsAsync("u4", new() { AuthProviderArgs = ["client-secret=s", "client-id-"] }, f)),
            S(["config", "set-credentials", "certuser", "--client-certificate=a/ca.crt", "--client-key=ca-outside.crt"],
                (e, f) => e.SetCredentialsAsync("certuser", new() { ClientCertificate = "a/ca.crt", ClientKey = "ca-outside.crt" }, f)),
            S(["config", "set", "contexts.ctx3.namespace", "viaset"], (e, f) => e.SetAsync("contexts.ctx3.namespace", "viaset", false, f)),
            S(["config", "set", "clusters.c2.certificate-authority-data", TestCerts.B64("PEM")], (e, f) => e.SetAsync("clusters.c2.certificate-authority-data", TestCerts.B64("PEM"), false, f)),
            S(["config", "set", "users.u4.token", "viaset"], (e, f) => e.SetAsync("users.u4.token", "viaset", false, f)),
            S(["config", "unset", "contexts.ctx1.namespace"], (e, f) => e.UnsetAsync("contexts.ctx1.namespace", f)),
            S(["config", "rename-context", "ctx2", "ctx2-renamed"], (e, f) => e.RenameContextAsync("ctx2", "ctx2-renamed", f)),
            S(["config", "rename-context", "ctx1", "ctx3"], (e, f) => e.RenameContextAsync("ctx1", "ctx3", f)),
            S(["config", "rename-context", "ctx1", "ctx1-renamed"], (e, f) => e.RenameContextAsync("ctx1", "ctx1-renamed", f)),
            S(["config", "delete-user", "u2"], (e, f) => e.DeleteUserAsync("u2", f)),
            S(["config", "delete-cluster", "dup"], (e, f) => e.DeleteClusterAsync("dup", f)),
            S(["config", "delete-context", "ctx3"], (e, f) => e.DeleteContextAsync("ctx3", f)),
            S(["config", "delete-context", "ghost"], (e, f) => e.DeleteContextAsync("ghost", f)),
            S(["config", "unset", "current-context"], (e, f) => e.UnsetAsync("current-context", f)),
            S(["config", "unset", "current-context"], (e, f) => e.UnsetAsync("current-context", f)),
            S(["config", "use-context", "brandnew"], (e, f) => e.UseContextAsync("brandnew", f)),
        ]);
    }

    [Fact]
    public async Task New_entries_go_to_the_first_existing_file_or_the_last_one()
    {
        _dir.Write("b/config", "contexts:\n- name: only\n  context: {cluster: c, user: u}\n");
        var missingFirst = string.Join(Path.PathSeparator, _dir.File("a/config"), _dir.File("b/config"));
        await RunAsync(missingFirst, null,
        [
            S(["config", "set-cluster", "c", "--server=https://c"], (e, f) => e.SetClusterAsync("c", new() { Server = "https://c" }, f)),
            S(["config", "use-context", "only"], (e, f) => e.UseContextAsync("only", f)),
        ]);
        File.Delete(_dir.File("b/config"));
        var noneExist = string.Join(Path.PathSeparator, _dir.File("x/one"), _dir.File("y/two"));
        await RunAsync(noneExist, null,
        [
            S(["config", "set-credentials", "u", "--token=t"], (e, f) => e.SetCredentialsAsync("u", new() { Token = "t" }, f)),
        ]);
    }
}
