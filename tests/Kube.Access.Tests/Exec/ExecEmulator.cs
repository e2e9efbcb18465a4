using k8s;
using k8s.Models;
using Kube.Access.Exec;
using Kube.Access.Testing;
using Kube.Access.Tests.TestSupport;
using Kube.Access.TestSupport;

namespace Kube.Access.Tests.Exec;

/// <summary>An emulator with the exec test pods, a connection, a kubeconfig for kubectl and a <see cref="PodExec"/>.</summary>
public sealed class ExecEmulator : IAsyncDisposable
{
    private readonly DirectoryInfo _dir;
    private int _disposed;

    private ExecEmulator(KubeApiEmulator api, IKubeConnection connection, DirectoryInfo dir, string kubeconfig)
    {
        Api = api;
        Connection = connection;
        _dir = dir;
        Kubeconfig = kubeconfig;
        Exec = new PodExec(connection);
    }

    public KubeApiEmulator Api { get; }

    public IKubeConnection Connection { get; }

    public PodExec Exec { get; }

    public string Kubeconfig { get; }

    public string TempDir => _dir.FullName;

    /// <summary>Pods: shell-demo (one nginx container), two-containers (the guide's chapter 8 pod), annotated (default-container annotation), with-init (an init container).</summary>
    public static async Task<ExecEmulator> StartAsync(IReadOnlyList<string>? execProtocols = null, bool https = false)
    {
        var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = https, ExecProtocols = execProtocols });
        var dir = Directory.CreateTempSubdirectory("kube-access-exec-");
        var kubeconfig = Path.Combine(dir.FullName, "config");
        api.WriteKubeconfig(kubeconfig);
        var connection = new KubeConnectionFactory().Create(new KubeEndpoint
        {
            Server = api.Url,
            Tls = new KubeTlsSettings { CertificateAuthorityPem = api.CertificateAuthorityPem },
            Credentials = new StaticCredentialSource(KubeCredential.FromToken(api.DefaultToken)),
            Namespace = "default",
        });
        var session = new ExecEmulator(api, connection, dir, kubeconfig);
        var client = connection.Client;
        await client.CoreV1.CreateNamespacedPodAsync(Pod("shell-demo", [Container("nginx", "nginx")]), "default");
        await client.CoreV1.CreateNamespacedPodAsync(Pod("annotated", [Container("web", "nginx"), Container("sidecar", "busybox", "sh", "-c", "sleep 3600")],
            annotations: new Dictionary<string, string> { [PodExec.DefaultContainerAnnotation] = "sidecar" }), "default");
        await client.CoreV1.CreateNamespacedPodAsync(Pod("with-init", [Container("app", "nginx")], init: [Container("setup", "busybox", "true")]), "default");
        var twoContainers = await File.ReadAllTextAsync(Path.Combine(KubectlRunner.ManifestsDir(), "two-container-pod.yaml"));
        await client.CoreV1.CreateNamespacedPodAsync(KubernetesYaml.Deserialize<V1Pod>(twoContainers), "default");
        return session;
    }

    public static V1Pod Pod(string name, IList<V1Container> containers, IDictionary<string, string>? annotations = null, IList<V1Container>? init = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, Annotations = annotations },
        Spec = new V1PodSpec { Containers = containers, InitContainers = init },
    };

    public static V1Container Container(string name, string image, params string[] command) =>
        new() { Name = name, Image = image, Command = command.Length == 0 ? null : command };

    public Task<ToolResult> Kubectl(string? stdin, params string[] args) =>
        KubectlRunner.RunAsync(["--kubeconfig", Kubeconfig, .. args], stdin);

    /// <summary>Waits until the two-container pod's debian container has terminated (it writes the shared page first).</summary>
    public async Task WaitForTwoContainersAsync()
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            var pod = await Connection.Client.CoreV1.ReadNamespacedPodAsync("two-containers", "default");
            if (pod.Status?.ContainerStatuses?.Any(s => s.Name == "debian-container" && s.State?.Terminated is not null) == true)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("debian-container did not terminate");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await Connection.DisposeAsync();
        await Api.DisposeAsync();
        try { _dir.Delete(recursive: true); } catch (IOException) { }
    }
}
