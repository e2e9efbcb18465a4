using System.Text.Json.Nodes;
using Kube.Access.Testing;
using Kube.Access.TestSupport;

namespace Kube.Access.Tests.TestSupport;

/// <summary>An emulator, a connection to it and a kubeconfig for kubectl; disposed after the test.</summary>
public sealed class EmulatorSession : IAsyncDisposable
{
    private readonly DirectoryInfo _dir;

    private EmulatorSession(KubeApiEmulator api, IKubeConnection connection, DirectoryInfo dir, string kubeconfig)
    {
        Api = api;
        Connection = connection;
        _dir = dir;
        Kubeconfig = kubeconfig;
    }

    public KubeApiEmulator Api { get; }

    public IKubeConnection Connection { get; }

    public string Kubeconfig { get; }

    public string TempDir => _dir.FullName;

    public static async Task<EmulatorSession> StartAsync(EmulatorScenario scenario = EmulatorScenario.Empty, TimeSpan? loadBalancerDelay = null)
    {
        var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions
        {
            Scenario = scenario,
            LoadBalancerDelay = loadBalancerDelay ?? TimeSpan.FromMilliseconds(300),
        });
        var dir = Directory.CreateTempSubdirectory("kube-access-svc-");
        var kubeconfig = Path.Combine(dir.FullName, "config");
        api.WriteKubeconfig(kubeconfig);
        var connection = new KubeConnectionFactory().Create(new KubeEndpoint
        {
            Server = api.Url,
            Credentials = new StaticCredentialSource(KubeCredential.FromToken(api.DefaultToken)),
            Namespace = "default",
        });
        return new EmulatorSession(api, connection, dir, kubeconfig);
    }

    public Task<ToolResult> Kubectl(params string[] args) => KubectlRunner.RunAsync(["--kubeconfig", Kubeconfig, .. args]);

    /// <summary>The object as kubectl sees it (get -o json).</summary>
    public async Task<JsonObject> GetJson(string resource, string name, string ns = "default")
    {
        var r = await Kubectl("get", resource, name, "-n", ns, "-o", "json");
        if (r.ExitCode != 0) throw new InvalidOperationException($"kubectl get {resource} {name}: {r.StdErr}");
        return JsonNode.Parse(r.StdOut)!.AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Api.DisposeAsync();
        try { _dir.Delete(recursive: true); } catch (IOException) { }
    }

    /// <summary>Removes what differs between two apiservers by design (identity, time, allocations, status).</summary>
    public static JsonObject Comparable(JsonObject obj)
    {
        var o = (JsonObject)obj.DeepClone();
        o.Remove("status");
        if (o["metadata"] is JsonObject m)
        {
            foreach (var k in new[] { "uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink" }) m.Remove(k);
            if (m["annotations"] is JsonObject a)
            {
                a.Remove("deployment.kubernetes.io/revision");
                if (a.Count == 0) m.Remove("annotations");
            }
        }
        if (o["spec"] is JsonObject s)
        {
            s.Remove("clusterIP");
            s.Remove("clusterIPs");
            if (s["ports"] is JsonArray ports)
                foreach (var p in ports.OfType<JsonObject>()) p.Remove("nodePort");
        }
        return o;
    }
}
