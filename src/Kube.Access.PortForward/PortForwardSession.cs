using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using k8s;
using Kube.Access.Channels;
using Microsoft.Extensions.Logging;

namespace Kube.Access.PortForward;

/// <summary>
/// A running port-forward: local listeners, each accepted TCP connection carried over its own
/// WebSocket to the pod. Dispose it (or cancel the token given to <c>StartAsync</c>) to stop: the
/// listeners close and open connections are ended.
/// </summary>
public sealed class PortForwardSession : IAsyncDisposable
{
    private const int MaxWebSocketHeader = 14;
    private readonly IKubeConnection _connection;
    private readonly TargetResolver _resolver;
    private readonly PortForwardOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(Socket Socket, ForwardedPort Port, int MappingIndex)> _listeners = [];
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private readonly List<Task> _loops = [];
    private CancellationTokenRegistration _callerRegistration;
    private volatile ResolvedPod _current;
    private volatile bool _currentGone;
    private volatile ResolvedPod[] _pool;
    private long _roundRobin;
    private long _nextId;
    private long _bytesToPod;
    private long _bytesFromPod;
    private int _disposed;
    private int _transportFailures;
    private PortForwardApiServerLostException? _lost;
    private Task? _completion;

    internal PortForwardSession(IKubeConnection connection, TargetResolver resolver, ResolvedPod pod, PortForwardOptions options, ILogger logger)
    {
        _connection = connection;
        _resolver = resolver;
        _options = options;
        _logger = logger;
        _current = pod;
        _pool = [pod];
    }

    /// <summary>The target as given.</summary>
    public PortForwardTarget Target => _resolver.Target;

    /// <summary>The namespace of the target.</summary>
    public string Namespace => _resolver.Namespace;

    /// <summary>The pod new connections currently go to (with round robin: the first of the pool).</summary>
    public string Pod => _current.Name;

    /// <summary>The bound local endpoints, in the order of the port specs and addresses.</summary>
    public IReadOnlyList<ForwardedPort> Ports => _listeners.Select(l => l.Port).ToList();

    /// <summary>Completes once every listener accepts connections.</summary>
    public Task Ready => _ready.Task;

    /// <summary>
    /// Completes when the forward has stopped (disposed or cancelled) and every connection has ended. Faults with a
    /// <see cref="PortForwardApiServerLostException"/> when the session lost its API server (see
    /// <see cref="PortForwardOptions.ApiServerConnectAttempts"/>); the listeners are closed by then.
    /// </summary>
    public Task Completion => _completion ?? Task.CompletedTask;

    /// <summary>Bytes sent from local clients to pods so far.</summary>
    public long BytesToPod => Interlocked.Read(ref _bytesToPod);

    /// <summary>Bytes sent from pods to local clients so far.</summary>
    public long BytesFromPod => Interlocked.Read(ref _bytesFromPod);

    /// <summary>Connections open right now.</summary>
    public int ActiveConnections => _connections.Count;

    /// <summary>A local client connected (kubectl prints <c>Handling connection for PORT</c>).</summary>
    public event EventHandler<PortForwardConnection>? ConnectionOpened;

    /// <summary>A connection ended; <see cref="PortForwardConnectionClosed.Error"/> says why when it failed.</summary>
    public event EventHandler<PortForwardConnectionClosed>? ConnectionClosed;

    /// <summary>A deployment, replica set or service target moved to another pod.</summary>
    public event EventHandler<PortForwardPodChanged>? PodChanged;

    /// <summary>With round robin over a service, starts with every ready pod in the pool (the watch keeps it current).</summary>
    internal async Task PreparePoolAsync(CancellationToken cancellationToken)
    {
        if (_options.LoadBalanceServicePods && Target.Kind == PortForwardTargetKind.Service)
        {
            var ready = await _resolver.ReadyPodsAsync(null, cancellationToken).ConfigureAwait(false);
            if (ready.Count > 0)
            {
                _pool = [.. ready];
            }
        }
    }

    internal void Start(IReadOnlyList<(IPAddress Address, bool Required)> addresses, CancellationToken callerToken)
    {
        try
        {
            Bind(addresses);
        }
        catch
        {
            foreach (var l in _listeners)
            {
                l.Socket.Dispose();
            }

            _listeners.Clear();
            throw;
        }

        foreach (var listener in _listeners)
        {
            _loops.Add(AcceptLoopAsync(listener.Socket, listener.Port, listener.MappingIndex, _stop.Token));
        }

        if (_options.FollowTargetPods && _resolver.Selector is not null)
        {
            _loops.Add(WatchLoopAsync(_stop.Token));
        }

        _completion = RunToCompletionAsync();
        _ready.TrySetResult();
        if (callerToken.CanBeCanceled)
        {
            _callerRegistration = callerToken.Register(static s => ((PortForwardSession)s!)._stop.Cancel(), this);
        }
    }

    private void Bind(IReadOnlyList<(IPAddress Address, bool Required)> addresses)
    {
        for (var i = 0; i < _resolver.LocalPorts.Length; i++)
        {
            var localPort = _resolver.LocalPorts[i];
            var errors = new List<string>();
            var bound = 0;
            foreach (var (address, required) in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    if (address.AddressFamily == AddressFamily.InterNetworkV6)
                    {
                        socket.DualMode = false;
                    }

                    socket.Bind(new IPEndPoint(address, localPort));
                    socket.Listen(512);
                }
                catch (SocketException ex)
                {
                    socket.Dispose();
                    var message = $"Unable to listen on port {localPort} on {address}: {ex.Message}";
                    if (required)
                    {
                        throw new PortForwardException(message, Namespace, Pod, localPort, innerException: ex);
                    }

                    _logger.LogWarning("{Message}", message);
                    errors.Add(message);
                    continue;
                }

                var endPoint = (IPEndPoint)socket.LocalEndPoint!;
                // A random port (0) is chosen by the first address; the others use the same number, as kubectl does.
                localPort = endPoint.Port;
                _listeners.Add((socket, new ForwardedPort(endPoint, _resolver.Ports[i], _current.PodPorts[i]), i));
                bound++;
            }

            if (bound == 0)
            {
                throw new PortForwardException($"unable to listen on any of the requested ports: {string.Join("; ", errors)}", Namespace, Pod, localPort);
            }
        }
    }

    private async Task RunToCompletionAsync()
    {
        try
        {
            await _stop.Token.WhenCanceled().ConfigureAwait(false);
        }
        finally
        {
            foreach (var l in _listeners)
            {
                l.Socket.Dispose();
            }

            try
            {
                await Task.WhenAll(_loops).ConfigureAwait(false);
                while (!_connections.IsEmpty)
                {
                    await Task.WhenAll(_connections.Values.ToArray()).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (Volatile.Read(ref _lost) is not null)
            {
                // The lost API server is what the session reports.
                _logger.LogDebug(ex, "Port-forward shutdown after losing the API server");
            }
        }

        if (Volatile.Read(ref _lost) is { } lost)
        {
            throw lost;
        }
    }

    private async Task AcceptLoopAsync(Socket listener, ForwardedPort port, int mappingIndex, CancellationToken stop)
    {
        await Task.Yield();
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                _logger.LogWarning(ex, "Accepting on {EndPoint} failed", port.LocalEndPoint);
                continue;
            }

            client.NoDelay = true;
            var id = Interlocked.Increment(ref _nextId);
            var task = HandleConnectionAsync(id, client, port, mappingIndex, stop);
            _connections[id] = task;
            _ = task.ContinueWith(static (_, state) =>
            {
                var (connections, key) = ((ConcurrentDictionary<long, Task>, long))state!;
                connections.TryRemove(key, out var _);
            }, (_connections, id), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private ResolvedPod PickPod()
    {
        if (_options.LoadBalanceServicePods && Target.Kind == PortForwardTargetKind.Service)
        {
            var pool = _pool;
            if (pool.Length > 0)
            {
                return pool[(int)((ulong)Interlocked.Increment(ref _roundRobin) % (ulong)pool.Length)];
            }
        }

        return _current;
    }

    private async Task HandleConnectionAsync(long id, Socket client, ForwardedPort port, int mappingIndex, CancellationToken stop)
    {
        await Task.Yield();
        var started = Stopwatch.GetTimestamp();
        var pod = PickPod();
        var info = new PortForwardConnection(id, port.LocalEndPoint, client.RemoteEndPoint as IPEndPoint, Namespace, pod.Name, pod.PodPorts[mappingIndex]);
        Raise(ConnectionOpened, info);
        var counters = new Counters();
        PortForwardException? error = null;
        try
        {
            var tunnel = await OpenTunnelAsync(pod, mappingIndex, stop).ConfigureAwait(false);
            if (tunnel.Pod != info.Pod)
            {
                info = info with { Pod = tunnel.Pod, PodPort = tunnel.Port };
            }

            await using (tunnel.ConfigureAwait(false))
            {
                await PumpAsync(client, tunnel, counters, stop).ConfigureAwait(false);
            }
        }
        catch (PortForwardException ex)
        {
            error = ex;
        }
        catch (Exception ex) when (stop.IsCancellationRequested && ex is OperationCanceledException or WebSocketChannelException or SocketException or ObjectDisposedException)
        {
            // Stopped: not an error of the connection.
        }
        catch (Exception ex) when (IsTransportFailure(ex) || ex is WebSocketChannelException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            error = new PortForwardException($"lost connection to pod {Namespace}/{info.Pod} port {info.PodPort}: {ex.Message}", Namespace, info.Pod, info.PodPort, null, ex);
        }
        finally
        {
            client.Dispose();
        }

        if (error is not null)
        {
            _logger.LogError("an error occurred forwarding {LocalPort} -> {PodPort}: {Message}", port.LocalEndPoint.Port, info.PodPort, error.Message);
        }

        Raise(ConnectionClosed, new PortForwardConnectionClosed(info, counters.ToPod, counters.FromPod, Stopwatch.GetElapsedTime(started), error));
    }

    /// <summary>
    /// Opens the tunnel; a transport failure (the API server unreachable) is retried after a short pause until
    /// <see cref="PortForwardOptions.ApiServerConnectAttempts"/> failures in a row (over all connections), then the
    /// session ends. Errors from the pod or the kubelet are not retried and never end the session.
    /// </summary>
    private async Task<PodPortTunnel> OpenTunnelAsync(ResolvedPod pod, int mappingIndex, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                var tunnel = await OpenTunnelOnceAsync(pod, mappingIndex, stop).ConfigureAwait(false);
                Volatile.Write(ref _transportFailures, 0);
                return tunnel;
            }
            catch (Exception ex) when (IsTransportFailure(ex) && !stop.IsCancellationRequested)
            {
                var failures = Interlocked.Increment(ref _transportFailures);
                var port = pod.PodPorts[mappingIndex];
                if (failures >= _options.ApiServerConnectAttempts)
                {
                    throw LoseApiServer(pod.Name, port, failures, ex);
                }

                _logger.LogWarning("Connecting to pod {Namespace}/{Pod} port {Port} failed ({Message}); retrying ({Failures} of {Attempts})", Namespace, pod.Name, port, ex.Message, failures, _options.ApiServerConnectAttempts);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 100 * failures)), stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A failure to reach the API server at all (as opposed to a refusal by it, the kubelet or the pod).</summary>
    private static bool IsTransportFailure(Exception ex) =>
        ex is KubeConnectionException or HttpRequestException or SocketException or System.Net.WebSockets.WebSocketException;

    /// <summary>Ends the session: the listeners close and <see cref="Completion"/> faults with the returned exception.</summary>
    private PortForwardApiServerLostException LoseApiServer(string pod, int port, int attempts, Exception transportError)
    {
        var lost = new PortForwardApiServerLostException(
            $"lost connection to pod {Namespace}/{pod} port {port}: the connection to the API server {_connection.Server} was lost ({attempts} attempts in a row failed): {transportError.Message}",
            Namespace, pod, port, attempts, transportError);
        if (Interlocked.CompareExchange(ref _lost, lost, null) is not null)
        {
            return Volatile.Read(ref _lost)!;
        }

        _logger.LogError("{Message}; stopping the port-forward", lost.Message);
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: nothing left to stop.
        }

        return lost;
    }

    private async Task<PodPortTunnel> OpenTunnelOnceAsync(ResolvedPod pod, int mappingIndex, CancellationToken stop)
    {
        try
        {
            return await PodPortTunnel.OpenAsync(_connection, Namespace, pod.Name, pod.PodPorts[mappingIndex], _options.MaxBufferedBytes, inlineReaders: true, _logger, stop).ConfigureAwait(false);
        }
        catch (PortForwardException ex) when (_options.FollowTargetPods && _resolver.Selector is not null && !stop.IsCancellationRequested)
        {
            // The pod may be gone before the watch said so: look for another one and retry once.
            _logger.LogInformation("Connecting to pod {Pod} failed ({Message}); looking for another pod of {Target}", pod.Name, ex.Message, Target);
            var replacement = await RefreshAsync(pod.Name, $"connecting to pod {pod.Name} failed", stop).ConfigureAwait(false);
            if (replacement is null || replacement.Name == pod.Name)
            {
                throw;
            }

            return await PodPortTunnel.OpenAsync(_connection, Namespace, replacement.Name, replacement.PodPorts[mappingIndex], _options.MaxBufferedBytes, inlineReaders: true, _logger, stop).ConfigureAwait(false);
        }
    }

    private async Task PumpAsync(Socket client, PodPortTunnel tunnel, Counters counters, CancellationToken stop)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var up = LocalToPodAsync(client, tunnel, counters, linked);
        var down = PodToLocalAsync(client, tunnel, counters, linked);
        var keepAlive = _options.KeepAliveInterval is { } interval ? KeepAliveAsync(tunnel, counters, interval, linked.Token) : Task.CompletedTask;

        var finished = await Task.WhenAny(Task.WhenAll(up, down), tunnel.Error).ConfigureAwait(false);
        if (finished == tunnel.Error && tunnel.Error.Result is { } serverError)
        {
            await linked.CancelAsync().ConfigureAwait(false);
            await IgnoreAsync(up, down, keepAlive).ConfigureAwait(false);
            throw serverError;
        }

        try
        {
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            await IgnoreAsync(keepAlive).ConfigureAwait(false);
        }

        // A server error that came with the close still counts.
        if (tunnel.Error.IsCompleted && await tunnel.Error.ConfigureAwait(false) is { } late)
        {
            throw late;
        }
    }

    private static async Task IgnoreAsync(params Task[] tasks)
    {
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            // Already reported by whichever failed first.
        }
    }

    private async Task LocalToPodAsync(Socket client, PodPortTunnel tunnel, Counters counters, CancellationTokenSource linked)
    {
        // One frame = channel byte + data; ManagedWebSocket copies it behind a header of at most 14 bytes into a
        // pooled send buffer. Reading BufferSize - 15 bytes keeps this buffer and that one in the same pool
        // bucket as the pipe segments (32 KiB by default), so concurrent connections churn no extra sizes.
        var size = _options.BufferSize;
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        var read = size - 1 - MaxWebSocketHeader;
        try
        {
            while (true)
            {
                // Read into buffer[1..] so the frame goes out with its channel byte in buffer[0], uncopied.
                var n = await client.ReceiveAsync(buffer.AsMemory(1, read), SocketFlags.None, linked.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                await tunnel.Channels.WriteFrameAsync(PodPortTunnel.DataChannel, buffer.AsMemory(0, n + 1), linked.Token).ConfigureAwait(false);
                counters.ToPod += n;
                counters.LastActivity = Environment.TickCount64;
                Interlocked.Add(ref _bytesToPod, n);
            }

            // Local EOF ends the stream to the pod (the WebSocket's close; replies still arrive until the pod closes).
            await tunnel.Channels.CloseOutputAsync(linked.Token).ConfigureAwait(false);
        }
        catch
        {
            await linked.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task PodToLocalAsync(Socket client, PodPortTunnel tunnel, Counters counters, CancellationTokenSource linked)
    {
        try
        {
            var reader = await tunnel.GetDataAsync(linked.Token).ConfigureAwait(false);
            while (true)
            {
                var result = await reader.ReadAsync(linked.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    await client.SendAsync(segment, SocketFlags.None, linked.Token).ConfigureAwait(false);
                }

                counters.FromPod += buffer.Length;
                counters.LastActivity = Environment.TickCount64;
                Interlocked.Add(ref _bytesFromPod, buffer.Length);
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            // The pod ended its side: shut our socket's send side; the client sees EOF.
            client.Shutdown(SocketShutdown.Send);
        }
        catch
        {
            await linked.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task KeepAliveAsync(PodPortTunnel tunnel, Counters counters, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        var empty = new byte[1];
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (Environment.TickCount64 - counters.LastActivity >= interval.TotalMilliseconds)
                {
                    // An empty data frame: the pod receives nothing, the WebSocket (and its load balancers) sees traffic.
                    await tunnel.Channels.WriteFrameAsync(PodPortTunnel.DataChannel, empty, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WatchLoopAsync(CancellationToken stop)
    {
        await Task.Yield();
        var client = _connection.Client;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync(Namespace, labelSelector: _resolver.Selector, cancellationToken: stop).ConfigureAwait(false))
                {
                    var name = pod.Metadata?.Name;
                    var current = _current;
                    if (name == current.Name && (type == WatchEventType.Deleted || !PodOrdering.IsRunning(pod)))
                    {
                        _currentGone = true;
                        var reason = type == WatchEventType.Deleted ? $"pod {name} was deleted" : $"pod {name} is {(pod.Metadata?.DeletionTimestamp is null ? pod.Status?.Phase : "terminating")}";
                        await RefreshAsync(name, reason, stop).ConfigureAwait(false);
                    }
                    else if (_currentGone || (_options.LoadBalanceServicePods && Target.Kind == PortForwardTargetKind.Service))
                    {
                        await RefreshAsync(_currentGone ? current.Name : null, $"pod {current.Name} is gone", stop).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex) when (stop.IsCancellationRequested && ex is OperationCanceledException or HttpRequestException or IOException or ObjectDisposedException)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                _logger.LogDebug(ex, "Watching the pods of {Target} failed; retrying", Target);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Re-resolves the target's pod (excluding <paramref name="exclude"/>); raises <see cref="PodChanged"/> when it moves.</summary>
    private async Task<ResolvedPod?> RefreshAsync(string? exclude, string reason, CancellationToken cancellationToken)
    {
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            IReadOnlyList<ResolvedPod> candidates;
            try
            {
                candidates = await _resolver.ReadyPodsAsync(exclude, cancellationToken).ConfigureAwait(false);
            }
            catch (PortForwardException ex)
            {
                _logger.LogWarning("Looking for a pod of {Target} failed: {Message}", Target, ex.Message);
                return null;
            }

            if (candidates.Count == 0)
            {
                if (exclude is not null)
                {
                    _logger.LogWarning("No running pod of {Target} besides {Pod} yet ({Reason})", Target, exclude, reason);
                }

                return null;
            }

            _pool = candidates.ToArray();
            var previous = _current;
            var next = candidates[0];
            if (exclude is null && !_currentGone && candidates.Any(c => c.Name == previous.Name))
            {
                // Round robin pool refresh only: keep the current pod.
                return previous;
            }

            _current = next;
            _currentGone = false;
            if (next.Name != previous.Name)
            {
                _logger.LogInformation("{Target}: {Reason}; forwarding to pod {Pod} now", Target, reason, next.Name);
                Raise(PodChanged, new PortForwardPodChanged(previous.Name, next.Name, reason));
            }

            return next;
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, args);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "A port-forward event handler failed");
        }
    }

    /// <summary>Stops the forward: closes the listeners, ends open connections, stops watching pods.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _callerRegistration.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_completion is not null)
        {
            try
            {
                await _completion.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogDebug(ex, "Port-forward shutdown");
            }
        }
        else
        {
            foreach (var l in _listeners)
            {
                l.Socket.Dispose();
            }
        }

        _stop.Dispose();
    }

    private sealed class Counters
    {
        public long ToPod;
        public long FromPod;
        public long LastActivity = Environment.TickCount64;
    }
}

internal static class CancellationTokenExtensions
{
    public static Task WhenCanceled(this CancellationToken token)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), tcs);
        return tcs.Task;
    }
}
