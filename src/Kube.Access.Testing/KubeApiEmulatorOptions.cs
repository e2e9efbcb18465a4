using Microsoft.Extensions.Logging;

namespace Kube.Access.Testing;

/// <summary>Options of <see cref="KubeApiEmulator.StartAsync(KubeApiEmulatorOptions?, CancellationToken)"/>.</summary>
public sealed class KubeApiEmulatorOptions
{
    /// <summary>Serve HTTPS with a CA and serving certificate generated at start (default <c>false</c>: plain HTTP).</summary>
    public bool Https { get; set; }

    /// <summary>The loopback port to listen on; <c>0</c> (default) picks an ephemeral port.</summary>
    public int Port { get; set; }

    /// <summary>Listen on <c>::1</c> instead of <c>127.0.0.1</c>.</summary>
    public bool UseIPv6Loopback { get; set; }

    /// <summary>The objects seeded at start (default <see cref="EmulatorScenario.Empty"/>).</summary>
    public EmulatorScenario Scenario { get; set; } = EmulatorScenario.Empty;

    /// <summary>Extra pods seeded across several namespaces with a realistic image mix (for inventory tests and benchmarks).</summary>
    public int SyntheticPods { get; set; }

    /// <summary>Namespaces the synthetic pods are spread over (default 20).</summary>
    public int SyntheticNamespaces { get; set; } = 20;

    /// <summary>How long a LoadBalancer service waits before it gets an ingress IP (default 1 second; zero assigns at once).</summary>
    public TimeSpan LoadBalancerDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Accept requests without credentials as <c>system:anonymous</c>. Default (<c>null</c>): allowed on plain HTTP, refused on HTTPS.</summary>
    public bool? AllowAnonymous { get; set; }

    /// <summary>The bearer token accepted from the start; generated when <c>null</c>.</summary>
    public string? DefaultToken { get; set; }

    /// <summary>Decides whether a request is allowed (answer 403 Forbidden otherwise). Default: every authenticated request is allowed.</summary>
    public Func<EmulatorAccessRequest, bool>? Authorize { get; set; }

    /// <summary>Record requests in <see cref="KubeApiEmulator.Requests"/> (default <c>true</c>).</summary>
    public bool RecordRequests { get; set; } = true;

    /// <summary>The most requests kept in <see cref="KubeApiEmulator.Requests"/>; older ones are dropped (default 10,000).</summary>
    public int MaxRecordedRequests { get; set; } = 10_000;

    /// <summary>Capacity of each watch's event buffer; a watcher that falls this far behind is closed, as the apiserver does (default 4096).</summary>
    public int WatchBufferCapacity { get; set; } = 4096;

    /// <summary>Events kept per resource for watches that resume from a resourceVersion (default 10,000); older ones answer 410 Gone.</summary>
    public int WatchHistory { get; set; } = 10_000;

    /// <summary>
    /// The WebSocket subprotocols <c>exec</c> and <c>attach</c> accept, a subset of
    /// <c>v5.channel.k8s.io</c> and <c>v4.channel.k8s.io</c> (default <c>null</c>: both). Set it to only
    /// <c>v4.channel.k8s.io</c> to play an API server from before the close-channel frame.
    /// </summary>
    public IReadOnlyList<string>? ExecProtocols { get; set; }

    /// <summary>
    /// Make <see cref="KubeApiEmulator.DisposeAsync"/> throw when the emulator failed on a request with an
    /// exception of its own rather than a Kubernetes error (default <c>true</c>, so that a test which
    /// trips a bug of the emulator fails instead of seeing a 500 and moving on). Such failures are
    /// always logged and listed in <see cref="KubeApiEmulator.UnexpectedErrors"/>; turn this off where
    /// the emulator serves people rather than tests.
    /// </summary>
    public bool FailOnUnexpectedErrors { get; set; } = true;

    /// <summary>
    /// Serve <c>exec</c> and <c>attach</c> over WebSocket (default <c>true</c>). <c>false</c> answers
    /// every WebSocket upgrade there with 400 Bad Request, as an API server without WebSocket
    /// streaming does, so clients fall back to SPDY/3.1 (kubectl does).
    /// </summary>
    public bool ExecWebSockets { get; set; } = true;

    /// <summary>Where the emulator logs (default: nowhere).</summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}
