using System.Diagnostics;
using System.Text.Json.Nodes;
using Kube.Access.Testing;

namespace Kube.Access.TestSupport;

/// <summary>
/// The one way tests get an emulator: a running <see cref="KubeApiEmulator"/>, its <see cref="KubeEndpoint"/>
/// (<see cref="KubeApiEmulator.CreateEndpoint"/>), a connection over it, a kubeconfig file for kubectl and the CLI,
/// and a temporary directory; all removed at dispose.
/// </summary>
public sealed class EmulatorSession : IAsyncDisposable
{
    private EmulatorSession(KubeApiEmulator api, KubeEndpoint endpoint, string tempDir, string kubeconfig)
    {
        Api = api;
        Endpoint = endpoint;
        Connection = new KubeConnection(endpoint);
        TempDir = tempDir;
        Kubeconfig = kubeconfig;
    }

    /// <summary>The emulator.</summary>
    public KubeApiEmulator Api { get; }

    /// <summary>The endpoint of the session's credentials, namespace <c>default</c>.</summary>
    public KubeEndpoint Endpoint { get; }

    /// <summary>A connection over <see cref="Endpoint"/>, for the test's own calls.</summary>
    public KubeConnection Connection { get; }

    /// <summary>A kubeconfig file that reaches the emulator with the session's credentials.</summary>
    public string Kubeconfig { get; }

    /// <summary>A directory of the session's own, deleted at dispose.</summary>
    public string TempDir { get; }

    /// <summary>Starts an emulator on loopback and writes its kubeconfig.</summary>
    /// <param name="scenario">The objects seeded at start.</param>
    /// <param name="loadBalancerDelay">How long LoadBalancer services stay pending (default: the emulator's).</param>
    /// <param name="https">Serve HTTPS with a generated CA.</param>
    /// <param name="auth">How <see cref="Endpoint"/>, <see cref="Connection"/> and <see cref="Kubeconfig"/> authenticate.</param>
    /// <param name="recordRequests">Record requests in <see cref="KubeApiEmulator.Requests"/>.</param>
    /// <param name="contextName">The kubeconfig's cluster, user and context name.</param>
    /// <param name="configure">Sets any other emulator option.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<EmulatorSession> StartAsync(
        EmulatorScenario scenario = EmulatorScenario.Empty,
        TimeSpan? loadBalancerDelay = null,
        bool https = false,
        EmulatorAuth auth = EmulatorAuth.Token,
        bool recordRequests = true,
        string contextName = "emulator",
        Action<KubeApiEmulatorOptions>? configure = null,
        CancellationToken cancellationToken = default)
    {
        var options = new KubeApiEmulatorOptions { Scenario = scenario, Https = https, RecordRequests = recordRequests };
        if (loadBalancerDelay is { } delay)
        {
            options.LoadBalancerDelay = delay;
        }

        configure?.Invoke(options);
        var api = await KubeApiEmulator.StartAsync(options, cancellationToken);
        var tempDir = Directory.CreateTempSubdirectory("kube-access-emulator-session-").FullName;
        try
        {
            var kubeconfig = Path.Combine(tempDir, "config");
            api.WriteKubeconfig(kubeconfig, auth, contextName);
            return new EmulatorSession(api, api.CreateEndpoint(auth), tempDir, kubeconfig);
        }
        catch
        {
            await api.DisposeAsync();
            TempHome.Delete(tempDir);
            throw;
        }
    }

    /// <summary>
    /// Runs kubectl against the emulator (<c>--kubeconfig</c> <see cref="Kubeconfig"/>) through <see cref="KubectlTool"/>.
    /// The runs of one session share a discovery cache, as one user's kubectl does.
    /// </summary>
    public Task<ToolResult> Kubectl(params string[] args) => Kubectl(args, stdin: null);

    /// <summary>Runs kubectl against the emulator with standard input and a timeout.</summary>
    public Task<ToolResult> Kubectl(IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        KubectlTool.RunAsync(WithCache(args), kubeconfig: Kubeconfig, stdin: stdin, timeout: timeout, cancellationToken: cancellationToken);

    /// <summary>Starts a long-running kubectl (<c>get -w</c>) against the emulator; the caller kills and disposes it.</summary>
    public Process StartKubectl(params string[] args)
    {
        var home = Directory.CreateDirectory(Path.Combine(TempDir, "kubectl-home-" + Guid.NewGuid().ToString("N"))).FullName;
        return ToolProcess.Start(KubectlTool.Run(WithCache(args), Kubeconfig, kubeconfigVariable: null, home));
    }

    private string[] WithCache(IEnumerable<string> args) => ["--cache-dir", Path.Combine(TempDir, "kubectl-cache"), .. args];

    /// <summary>Writes <paramref name="content"/> to <paramref name="name"/> in <see cref="TempDir"/>; returns its path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(TempDir, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The object as kubectl sees it (<c>get -o json</c>).</summary>
    public async Task<JsonObject> GetJson(string resource, string name, string ns = "default")
    {
        var r = await Kubectl("get", resource, name, "-n", ns, "-o", "json");
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl get {resource} {name}: {r.StdErr}");
        }

        return JsonNode.Parse(r.StdOut)!.AsObject();
    }

    /// <summary>Removes what differs between two apiservers by design (identity, time, allocations, status).</summary>
    public static JsonObject Comparable(JsonObject obj)
    {
        var o = (JsonObject)obj.DeepClone();
        o.Remove("status");
        if (o["metadata"] is JsonObject m)
        {
            foreach (var k in new[] { "uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink" })
            {
                m.Remove(k);
            }

            if (m["annotations"] is JsonObject a)
            {
                a.Remove("deployment.kubernetes.io/revision");
                if (a.Count == 0)
                {
                    m.Remove("annotations");
                }
            }
        }

        if (o["spec"] is JsonObject s)
        {
            s.Remove("clusterIP");
            s.Remove("clusterIPs");
            if (s["ports"] is JsonArray ports)
            {
                foreach (var p in ports.OfType<JsonObject>())
                {
                    p.Remove("nodePort");
                }
            }
        }

        return o;
    }

    /// <summary>Closes the connection, stops the emulator and deletes <see cref="TempDir"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Api.DisposeAsync();
        TempHome.Delete(TempDir);
    }
}

/// <summary>
/// The xunit shape of <see cref="EmulatorSession"/>: one session per test class (<c>IClassFixture&lt;T&gt;</c>).
/// The parameterless fixture is an empty plain-HTTP emulator; derive to choose the start, e.g.
/// <c>public sealed class GuideFixture() : EmulatorFixture(() =&gt; EmulatorSession.StartAsync(EmulatorScenario.Guide));</c>
/// </summary>
public class EmulatorFixture : Xunit.IAsyncLifetime
{
    private readonly Func<Task<EmulatorSession>> _start;
    private EmulatorSession? _session;

    /// <summary>An empty plain-HTTP emulator.</summary>
    public EmulatorFixture()
        : this(() => EmulatorSession.StartAsync())
    {
    }

    /// <summary>A session started by <paramref name="start"/>.</summary>
    protected EmulatorFixture(Func<Task<EmulatorSession>> start) => _start = start;

    /// <summary>The session (after <see cref="InitializeAsync"/>).</summary>
    public EmulatorSession Session => _session ?? throw new InvalidOperationException("The fixture has not been initialized.");

    /// <summary>The emulator.</summary>
    public KubeApiEmulator Api => Session.Api;

    /// <summary>The session's endpoint.</summary>
    public KubeEndpoint Endpoint => Session.Endpoint;

    /// <summary>The session's connection.</summary>
    public KubeConnection Connection => Session.Connection;

    /// <summary>The session's kubeconfig file.</summary>
    public string Kubeconfig => Session.Kubeconfig;

    /// <summary>Starts the session.</summary>
    public virtual async Task InitializeAsync() => _session = await _start();

    /// <summary>Disposes the session.</summary>
    public virtual async Task DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }
    }
}
