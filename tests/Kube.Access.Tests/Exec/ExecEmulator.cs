using k8s;
using k8s.Models;
using Kube.Access.Exec;
using Kube.Access.Testing;
using Kube.Access.TestSupport;

namespace Kube.Access.Tests.Exec;

/// <summary>An <see cref="EmulatorSession"/> with the exec test pods and a <see cref="PodExec"/> over its connection.</summary>
public sealed class ExecEmulator : IAsyncDisposable
{
    private readonly EmulatorSession _session;
    private int _disposed;

    private ExecEmulator(EmulatorSession session)
    {
        _session = session;
        Exec = new PodExec(session.Connection);
    }

    public KubeApiEmulator Api => _session.Api;

    public IKubeConnection Connection => _session.Connection;

    public PodExec Exec { get; }

    public string Kubeconfig => _session.Kubeconfig;

    public string TempDir => _session.TempDir;

    /// <summary>Pods: shell-demo (one nginx container), two-containers (the guide's chapter 8 pod), annotated (default-container annotation), with-init (an init container).</summary>
    public static async Task<ExecEmulator> StartAsync(IReadOnlyList<string>? execProtocols = null, bool https = false)
    {
        var session = new ExecEmulator(await EmulatorSession.StartAsync(https: https, configure: o => o.ExecProtocols = execProtocols));
        var client = session.Connection.Client;
        await client.CoreV1.CreateNamespacedPodAsync(Pod("shell-demo", [Container("nginx", "nginx")]), "default");
        await client.CoreV1.CreateNamespacedPodAsync(Pod("annotated", [Container("web", "nginx"), Container("sidecar", "busybox", "sh", "-c", "sleep 3600")],
            annotations: new Dictionary<string, string> { [PodExec.DefaultContainerAnnotation] = "sidecar" }), "default");
        await client.CoreV1.CreateNamespacedPodAsync(Pod("bad-annotation", [Container("first", "nginx"), Container("second", "nginx")],
            annotations: new Dictionary<string, string> { [PodExec.DefaultContainerAnnotation] = "gone" }), "default");
        await client.CoreV1.CreateNamespacedPodAsync(Pod("with-init", [Container("app", "nginx")], init: [Container("setup", "busybox", "true")]), "default");
        var twoContainers = await File.ReadAllTextAsync(Path.Combine(RepoPaths.ManifestsDir, "two-container-pod.yaml"));
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

    public Task<ToolResult> Kubectl(string? stdin, params string[] args) => _session.Kubectl(args, stdin);

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
        await _session.DisposeAsync();
    }
}
