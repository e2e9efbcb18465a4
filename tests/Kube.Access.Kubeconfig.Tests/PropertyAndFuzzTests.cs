using System.Text;
using FluentAssertions;
using Kube.Access.TestSupport;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Kube.Access.Kubeconfig.Tests;

/// <summary>One generated kubeconfig file: entry variants picked by code, or a missing file.</summary>
public sealed record FileSpec(int[] Clusters, int[] Users, int[] Contexts, int Current, bool Missing)
{
    public override string ToString() => $"FileSpec(c=[{string.Join(',', Clusters)}], u=[{string.Join(',', Users)}], x=[{string.Join(',', Contexts)}], cur={Current}, missing={Missing})";
}

public static class KubeconfigArbitraries
{
    public static Arbitrary<FileSpec[]> Sets()
    {
        var code = Gen.Choose(0, 9999);
        var spec =
            from clusters in code.ArrayOf().Resize(4)
            from users in code.ArrayOf().Resize(4)
            from contexts in code.ArrayOf().Resize(5)
            from current in Gen.Choose(0, 6)
            from missing in Gen.Choose(0, 6).Select(i => i == 0)
            select new FileSpec(clusters, users, contexts, current, missing);
        return Gen.Choose(1, 3).SelectMany(n => spec.ArrayOf(n)).ToArbitrary();
    }
}

/// <summary>Random kubeconfig sets compared with kubectl, and broken YAML that must only raise KubeconfigException.</summary>
public sealed class PropertyAndFuzzTests
{
    private static readonly string[] ClusterNames = ["c1", "c2", "c3"];
    private static readonly string[] UserNames = ["u1", "u2", "u3"];
    private static readonly string[] ContextNames = ["x1", "x2", "x3", "x4"];
    private static readonly string[] Servers = ["https://192.0.2.1:6443", "https://api.example.test", "http://127.0.0.1:8080"];

    internal static string Render(FileSpec spec, int fileIndex)
    {
        // Duplicate names inside one file are an error for kubectl; let one file in seven have them.
        var seen = new HashSet<string>();
        bool Skip(string kind, string name) => spec.Current != 6 && !seen.Add(kind + "/" + name);
        var sb = new StringBuilder();
        if (spec.Current < ContextNames.Length && spec.Current % 2 == 0)
        {
            sb.Append("current-context: ").Append(ContextNames[spec.Current]).Append('\n');
        }

        sb.Append("clusters:\n");
        foreach (var c in spec.Clusters)
        {
            if (Skip("c", ClusterNames[c % 3]))
            {
                continue;
            }

            sb.Append("- name: ").Append(ClusterNames[c % 3]).Append("\n  cluster:\n");
            sb.Append("    server: ").Append(Servers[(c / 3) % 3]).Append('\n');
            switch ((c / 9) % 5)
            {
                case 0: sb.Append("    certificate-authority: ca").Append(fileIndex).Append(".crt\n"); break;
                case 1: sb.Append("    certificate-authority-data: ").Append(TestCerts.B64("CA" + c)).Append('\n'); break;
                case 2: sb.Append("    insecure-skip-tls-verify: true\n"); break;
                case 3: sb.Append("    tls-server-name: name").Append(c % 7).Append('\n'); break;
            }
        }

        sb.Append("users:\n");
        foreach (var u in spec.Users)
        {
            if (Skip("u", UserNames[u % 3]))
            {
                continue;
            }

            sb.Append("- name: ").Append(UserNames[u % 3]).Append("\n  user:\n");
            switch ((u / 3) % 7)
            {
                case 0: sb.Append("    token: tok").Append(u).Append('\n'); break;
                case 1: sb.Append("    username: user").Append(u).Append("\n    password: pw").Append(u).Append('\n'); break;
                case 2: sb.Append("    tokenFile: ../tokens/t").Append(u % 4).Append('\n'); break;
                case 3: sb.Append("    client-certificate: cert.pem\n    client-key-data: ").Append(TestCerts.B64("KEY" + u)).Append('\n'); break;
                case 4:
                    sb.Append("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: plugin").Append(u % 5)
                      .Append("\n      args: [\"--a\", \"b c\"]\n      env:\n      - name: K\n        value: v").Append(u % 3).Append('\n');
                    break;
                case 5: sb.Append("    auth-provider:\n      name: oidc\n      config:\n        client-id: id").Append(u % 4).Append('\n'); break;
                default: sb.Append("    as: admin").Append(u % 2).Append("\n    as-groups: [g1, g2]\n"); break;
            }
        }

        sb.Append("contexts:\n");
        foreach (var x in spec.Contexts)
        {
            if (Skip("x", ContextNames[x % 4]))
            {
                continue;
            }

            sb.Append("- name: ").Append(ContextNames[x % 4]).Append("\n  context:\n");
            sb.Append("    cluster: ").Append(x % 11 == 0 ? "dangling" : ClusterNames[(x / 4) % 3]).Append('\n');
            sb.Append("    user: ").Append(UserNames[(x / 12) % 3]).Append('\n');
            if ((x / 36) % 2 == 0)
            {
                sb.Append("    namespace: ns").Append(x % 5).Append('\n');
            }
        }

        return sb.ToString();
    }

    [Property(MaxTest = 25, Arbitrary = new[] { typeof(KubeconfigArbitraries) })]
    public async Task Random_kubeconfig_sets_view_like_kubectl(FileSpec[] set)
    {
        using var dir = new TempDir();
        var files = new List<string>();
        for (var i = 0; i < set.Length; i++)
        {
            var path = dir.File($"d{i}/config");
            files.Add(path);
            if (!set[i].Missing)
            {
                dir.Write($"d{i}/config", Render(set[i], i));
            }
        }

        var variable = string.Join(Path.PathSeparator, files);
        Kubeconfig config;
        try
        {
            config = await KubeconfigLoader.Instance.LoadAsync(new() { KubeconfigVariable = variable, UseEnvironment = false });
        }
        catch (KubeconfigException e)
        {
            var failed = await KubectlTool.RunAsync(["config", "view", "-o", "json"], kubeconfigVariable: variable, workingDirectory: dir.Path);
            failed.ExitCode.Should().NotBe(0, $"we rejected the set: {e.Message}");
            failed.Stderr.Should().Contain(e.File!);
            return;
        }

        foreach (var flags in new[] { new[] { "--raw" }, ["--minify"], ["--minify", "--raw", "--context", "x2"] })
        {
            var kubectl = await KubectlTool.RunAsync(["config", "view", "-o", "json", .. flags], kubeconfigVariable: variable, workingDirectory: dir.Path);
            var options = new KubeconfigViewOptions
            {
                Raw = flags.Contains("--raw"),
                Minify = flags.Contains("--minify"),
                Context = flags.Contains("--context") ? "x2" : null,
                Format = KubeconfigOutputFormat.Json,
            };
            if (kubectl.ExitCode != 0)
            {
                var act = () => KubeconfigView.RenderAsync(config, options);
                var because = $"kubectl {string.Join(' ', flags)} failed: {kubectl.Stderr}\n{string.Join("\n---\n", set.Where(s => !s.Missing).Select((s, i) => Render(s, i)))}";
                (await act.Should().ThrowAsync<KubeconfigException>(because)).Which.Reason.Should().Match(r => kubectl.Stderr.Contains(r), because);
            }
            else
            {
                (await KubeconfigView.RenderAsync(config, options)).ShouldBeSameAs(kubectl.Stdout, string.Join(' ', flags));
            }
        }
    }

    private static readonly string[] Seeds =
    [
        Render(new FileSpec([0, 10, 20, 31], [0, 4, 7, 13, 16, 19], [1, 13, 40], 0, false), 0),
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: a
          cluster: &c {server: "https://x", extensions: [{name: e, extension: {k: [1, 2]}}]}
        - name: b
          cluster: *c
        users:
        - name: u
          user: {exec: {command: x, args: [a], env: [{name: n, value: v}]}, as-user-extra: {a: [b]}}
        contexts: [{name: c, context: {cluster: a, user: u, namespace: n}}]
        current-context: c
        preferences: {colors: true}
        """,
    ];

    private static readonly string Noise = ":-[]{}#&*!|>'\"%@`,?\n\t \\<=~0aY";

    [Fact]
    public void Mutated_yaml_raises_only_kubeconfig_exceptions_with_positions()
    {
        var random = new Random(20241125);
        var parsed = 0;
        var rejected = 0;
        for (var i = 0; i < 4000; i++)
        {
            var text = new StringBuilder(Seeds[i % Seeds.Length]);
            for (var m = random.Next(1, 4); m > 0 && text.Length > 0; m--)
            {
                var at = random.Next(text.Length);
                switch (random.Next(5))
                {
                    case 0: text.Remove(at, Math.Min(random.Next(1, 8), text.Length - at)); break;
                    case 1: text.Insert(at, Noise[random.Next(Noise.Length)]); break;
                    case 2: text[at] = Noise[random.Next(Noise.Length)]; break;
                    case 3: text.Length = at; break;
                    default: text.Insert(at, new string(' ', random.Next(1, 4))); break;
                }
            }

            try
            {
                KubeconfigParser.Parse(text.ToString(), "fuzz.yaml");
                parsed++;
            }
            catch (KubeconfigException e)
            {
                rejected++;
                e.File.Should().Be("fuzz.yaml", text.ToString());
                e.Line.Should().BeGreaterThan(0, e.Message + "\n" + text);
                e.Column.Should().BeGreaterThan(0, e.Message + "\n" + text);
            }
        }

        // The mutations must exercise both paths, or the test proves nothing.
        parsed.Should().BeGreaterThan(100);
        rejected.Should().BeGreaterThan(100);
    }

    [Property(MaxTest = 500)]
    public void Arbitrary_text_raises_only_kubeconfig_exceptions(NonNull<string> input)
    {
        try
        {
            var config = KubeconfigParser.Parse(input.Get, "arb.yaml");
            KubeconfigView.Render(config, redact: true).Should().NotBeNull();
        }
        catch (KubeconfigException e)
        {
            e.File.Should().Be("arb.yaml");
            e.Line.Should().BeGreaterThan(0);
        }
    }

    [Fact]
    public void Writer_round_trips_awkward_strings()
    {
        string[] values = ["y", "no", "ON", "null", "~", "", " lead", "trail ", "a: b", "#x", "- x", "0x1F", "012", "1e3", ".inf", "-.5", "+1",
            "multi\nline", "tab\there", "quote\"s", "back\\slash", "ünïcödé", "emoji 😀", "{x}", "[y]", "&a", "*b", "!t", "%p", "@q", "`r", "k: v #c", "=", "<<"];
        var config = new Kubeconfig
        {
            Users = values.Select((v, i) => new KubeconfigUser { Name = v.Length == 0 ? "empty" : v, Token = v.Length == 0 ? null : v, Username = "u" + i }).ToArray(),
        };
        var yaml = KubeconfigView.ToFileYaml(config);
        var back = KubeconfigParser.Parse(yaml, "rt");
        foreach (var v in values.Where(v => v.Length > 0))
        {
            back.FindUser(v)!.Token.Should().Be(v, yaml);
        }
    }
}
