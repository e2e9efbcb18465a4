using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using BenchmarkDotNet.Attributes;
using k8s;
using Kube.Access.Kubeconfig;

namespace Kube.Access.Benchmarks.Kubeconfig;

/// <summary>
/// Load + merge + minify of 20 kubeconfig files with 500 contexts (and 500 clusters and users)
/// each, against KubernetesClient's loader on the same files (LoadKubeConfigAsync of the file list,
/// then BuildConfigFromConfigObject for the current context).
/// </summary>
[MemoryDiagnoser]
public class KubeconfigLoadBenchmarks
{
    private const int Files = 20;
    private const int ContextsPerFile = 500;
    private string _dir = string.Empty;
    private string _variable = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "kubeconfig-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        // A real CA certificate: KubernetesClient parses the CA of the context it builds.
        using var key = RSA.Create(2048);
        using var cert = new CertificateRequest("CN=bench-ca", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(cert.ExportCertificatePem()));
        var paths = new List<string>();
        for (var f = 0; f < Files; f++)
        {
            var sb = new StringBuilder("apiVersion: v1\nkind: Config\n");
            if (f == 3)
            {
                sb.Append("current-context: ctx-3-250\n");
            }

            sb.Append("clusters:\n");
            for (var i = 0; i < ContextsPerFile; i++)
            {
                // A tenth of the names repeat across files, so merging has first-wins work to do.
                var name = i % 10 == 0 ? $"shared-{i}" : $"cluster-{f}-{i}";
                sb.Append("- name: ").Append(name).Append("\n  cluster:\n    server: https://192.0.2.").Append(i % 250).Append(":6443\n    certificate-authority-data: ").Append(ca).Append('\n');
            }

            sb.Append("users:\n");
            for (var i = 0; i < ContextsPerFile; i++)
            {
                var name = i % 10 == 0 ? $"shared-{i}" : $"user-{f}-{i}";
                sb.Append("- name: ").Append(name).Append("\n  user:\n    token: token-").Append(f).Append('-').Append(i).Append('\n');
            }

            sb.Append("contexts:\n");
            for (var i = 0; i < ContextsPerFile; i++)
            {
                var cluster = i % 10 == 0 ? $"shared-{i}" : $"cluster-{f}-{i}";
                var user = i % 10 == 0 ? $"shared-{i}" : $"user-{f}-{i}";
                sb.Append("- name: ctx-").Append(f).Append('-').Append(i).Append("\n  context:\n    cluster: ").Append(cluster).Append("\n    user: ").Append(user).Append("\n    namespace: ns-").Append(i % 7).Append('\n');
            }

            var path = Path.Combine(_dir, $"config-{f}");
            File.WriteAllText(path, sb.ToString());
            paths.Add(path);
        }

        _variable = string.Join(Path.PathSeparator, paths);
        Environment.SetEnvironmentVariable("KUBECONFIG", _variable);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// KubernetesClient: its only public entry point that merges a KUBECONFIG list is
    /// BuildDefaultConfig (loads and merges the files, then builds the current context's configuration).
    /// </summary>
    [Benchmark(Baseline = true)]
    public string KubernetesClient_BuildDefaultConfig() => KubernetesClientConfiguration.BuildDefaultConfig().Host;

    /// <summary>Kube.Access: load and merge with kubectl's rules, then minify to the current context.</summary>
    [Benchmark]
    public async Task<int> KubeAccess_LoadMergeMinify()
    {
        var config = await KubeconfigLoader.Instance.LoadAsync(new KubeconfigLoadingOptions { KubeconfigVariable = _variable, UseEnvironment = false }).ConfigureAwait(false);
        return KubeconfigView.Minify(config).Contexts.Count;
    }

    /// <summary>Kube.Access: load, merge, and resolve the current context to a KubeEndpoint.</summary>
    [Benchmark]
    public async Task<Uri> KubeAccess_LoadMergeResolveEndpoint()
    {
        var config = await KubeconfigLoader.Instance.LoadAsync(new KubeconfigLoadingOptions { KubeconfigVariable = _variable, UseEnvironment = false }).ConfigureAwait(false);
        return (await config.ResolveEndpointAsync().ConfigureAwait(false)).Server;
    }
}
