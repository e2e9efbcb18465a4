using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace Kube.Access.Testing.Streaming;

/// <summary>
/// <c>pods/{name}/exec</c> and <c>attach</c> over WebSocket (<c>v5.channel.k8s.io</c>,
/// <c>v4.channel.k8s.io</c>): channels 0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize,
/// 255 close (v5). Processes are the built-in shell or handlers bound by tests; each pod has
/// per-container file systems with shared emptyDir volumes; containers' commands run at start.
/// </summary>
internal sealed class ExecHandler : IAsyncDisposable
{
    /// <summary>Subprotocols served, most preferred first.</summary>
    public static readonly string[] Protocols = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

    private const byte StdinChannel = 0;
    private const byte StdoutChannel = 1;
    private const byte StderrChannel = 2;
    private const byte StatusChannel = 3;
    private const byte ResizeChannel = 4;
    private const byte CloseChannel = 255;

    private readonly IStreamingCluster _cluster;
    private readonly PodPortBindings _ports;
    private readonly ConcurrentDictionary<(string Namespace, string Pod), PodRuntime> _pods = new();
    private readonly ConcurrentDictionary<(string Namespace, string Pod, string Container), EmulatorExecHandler> _handlers = new();
    private readonly HttpMessageInvoker _http;
    private readonly CancellationTokenSource _stopping = new();

    private readonly string[] _protocols;
    private readonly bool _webSockets;

    public ExecHandler(IStreamingCluster cluster, PodPortBindings ports, IReadOnlyList<string>? protocols = null, bool webSockets = true)
    {
        _webSockets = webSockets;
        _protocols = protocols is null ? Protocols : Protocols.Where(protocols.Contains).ToArray();
        _cluster = cluster;
        _ports = ports;
        _http = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });
    }

    /// <summary>Raised when a container's command ends: (namespace, pod, container, exit code).</summary>
    public event Action<string, string, string, int>? ContainerTerminated;

    /// <summary>Binds a test-supplied process to a container (every exec/attach there runs it); container "" means every container of the pod.</summary>
    public void Bind(string @namespace, string pod, string container, EmulatorExecHandler handler) =>
        _handlers[(@namespace, pod, container ?? string.Empty)] = handler ?? throw new ArgumentNullException(nameof(handler));

    /// <summary>
    /// Starts a pod's containers: nginx images serve <c>/usr/share/nginx/html</c> on port 80 and
    /// keep running; a container with <c>command</c>/<c>args</c> runs them through the built-in shell
    /// and raises <see cref="ContainerTerminated"/> when they end.
    /// </summary>
    public void StartPod(V1Pod pod)
    {
        var runtime = Runtime(pod);
        if (Interlocked.Exchange(ref runtime.Started, 1) == 1)
        {
            return;
        }

        foreach (var spec in pod.Spec?.Containers ?? [])
        {
            var container = runtime.Containers[spec.Name];
            // An explicit command runs with its args; args alone replace the CMD of shell base images
            // (busybox, debian, ...). Any other image runs its own long-lived default process.
            var argv = spec.Command is { Count: > 0 } command
                ? command.Concat(spec.Args ?? []).ToList()
                : IsShellImage(spec.Image) ? (spec.Args ?? []).ToList() : [];
            if (IsNginx(spec.Image) && argv.Count == 0)
            {
                container.Start("nginx", tty: false);
                if (!_ports.IsBound(runtime.Namespace, runtime.Pod, 80))
                {
                    _ports.BindHttp(runtime.Namespace, runtime.Pod, 80, request => ServeNginx(container, request));
                }

                continue;
            }

            if (argv.Count == 0 || !MiniShell.Knows(argv[0]))
            {
                // An image's own process (its default, or a binary the built-in shell does not
                // know): runs until the pod goes.
                container.Start(spec.Image ?? "sleep", tty: false);
                continue;
            }

            var ct = runtime.Stopping.Token;
            var shell = new MiniShell(container);
            var name = spec.Name;
            _ = Task.Run(async () =>
            {
                int code;
                try
                {
                    var io = new ShellIO(Stream.Null, runtime.Log(name), runtime.Log(name));
                    code = await shell.ExecAsync(argv, io, tty: false, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception)
                {
                    code = 1;
                }

                ContainerTerminated?.Invoke(runtime.Namespace, runtime.Pod, name, code);
            }, ct);
        }
    }

    /// <summary>Forgets a deleted pod: stops its processes, drops its files and volumes.</summary>
    public void StopPod(string @namespace, string pod)
    {
        if (_pods.TryRemove((@namespace, pod), out var runtime))
        {
            runtime.Stopping.Cancel();
            _ports.UnbindPod(@namespace, pod);
        }
    }

    /// <summary>The combined output of a container's command so far (as <c>kubectl logs</c> would show).</summary>
    public string Logs(string @namespace, string pod, string container) =>
        _pods.TryGetValue((@namespace, pod), out var runtime) && runtime.Logs.TryGetValue(container, out var log)
            ? log.Text()
            : string.Empty;

    private PodRuntime Runtime(V1Pod pod)
    {
        var ns = pod.Metadata?.NamespaceProperty ?? "default";
        var name = pod.Metadata?.Name ?? string.Empty;
        var uid = pod.Metadata?.Uid ?? string.Empty;
        while (true)
        {
            var runtime = _pods.GetOrAdd((ns, name), _ => CreateRuntime(pod, ns, name, uid));
            if (runtime.Uid == uid)
            {
                return runtime;
            }

            // The pod was recreated under the same name: start afresh.
            if (_pods.TryRemove(new KeyValuePair<(string, string), PodRuntime>((ns, name), runtime)))
            {
                runtime.Stopping.Cancel();
            }
        }
    }

    private PodRuntime CreateRuntime(V1Pod pod, string ns, string name, string uid)
    {
        var runtime = new PodRuntime(ns, name, uid);
        var volumes = new Dictionary<string, FileStore>(StringComparer.Ordinal);
        foreach (var volume in pod.Spec?.Volumes ?? [])
        {
            volumes[volume.Name] = new FileStore();
        }

        foreach (var spec in pod.Spec?.Containers ?? [])
        {
            var files = new ContainerFileSystem();
            SeedImage(files, spec.Image, name);
            foreach (var mount in spec.VolumeMounts ?? [])
            {
                if (volumes.TryGetValue(mount.Name, out var store))
                {
                    files.Mount(mount.MountPath, store);
                }
            }

            var env = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                ["HOSTNAME"] = name,
                ["HOME"] = "/root",
            };
            // The kubelet tells every container where the API server's service is (how a pod reaches the API).
            if (_cluster.GetService("default", "kubernetes") is { Spec.ClusterIP: { Length: > 0 } apiIp } api)
            {
                var apiPort = api.Spec.Ports?.FirstOrDefault()?.Port ?? 443;
                env["KUBERNETES_SERVICE_HOST"] = apiIp;
                env["KUBERNETES_SERVICE_PORT"] = apiPort.ToString(CultureInfo.InvariantCulture);
                env["KUBERNETES_SERVICE_PORT_HTTPS"] = apiPort.ToString(CultureInfo.InvariantCulture);
                env["KUBERNETES_PORT"] = $"tcp://{apiIp}:{apiPort}";
            }

            foreach (var e in spec.Env ?? [])
            {
                env[e.Name] = e.Value ?? string.Empty;
            }

            if (IsNginx(spec.Image))
            {
                env["NGINX_VERSION"] = "1.27.3";
            }

            runtime.Containers[spec.Name] = new EmulatedContainer(ns, name, spec.Name, spec.Image ?? string.Empty, files, env,
                port => _ports.Resolve(ns, name, port), _http);
        }

        return runtime;
    }

    private static bool IsShellImage(string? image)
    {
        var name = (image ?? string.Empty).Split('@')[0];
        var slash = name.LastIndexOf('/');
        name = name[(slash + 1)..];
        var colon = name.IndexOf(':');
        name = colon >= 0 ? name[..colon] : name;
        return name is "busybox" or "debian" or "ubuntu" or "alpine" or "bash" or "centos" or "fedora";
    }

    private static bool IsNginx(string? image) =>
        image is not null && (image == "nginx" || image.StartsWith("nginx:", StringComparison.Ordinal) || image.Contains("/nginx", StringComparison.Ordinal));

    private static void SeedImage(ContainerFileSystem files, string? image, string pod)
    {
        foreach (var dir in new[] { "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp", "/usr/bin", "/usr/share", "/var/log" })
        {
            files.MakeDirectory(dir);
        }

        files.Write("/etc/hostname", Encoding.UTF8.GetBytes(pod + "\n"), append: false);
        files.Write("/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"u8.ToArray(), append: false);
        if (IsNginx(image))
        {
            files.MakeDirectory("/usr/share/nginx/html");
            files.MakeDirectory("/etc/nginx/conf.d");
            files.Write("/usr/share/nginx/html/index.html", Encoding.UTF8.GetBytes(NginxWelcome), append: false);
            files.Write("/usr/share/nginx/html/50x.html", "<html><body><h1>An error occurred.</h1></body></html>\n"u8.ToArray(), append: false);
        }
    }

    private const string NginxWelcome = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\nworking. Further configuration is required.</p>\n</body>\n</html>\n";

    private static PodHttpResponse ServeNginx(EmulatedContainer container, PodHttpRequest request)
    {
        var path = request.Target.Split('?')[0];
        path = Uri.UnescapeDataString(path);
        var full = ContainerFileSystem.Normalize("/usr/share/nginx/html", "." + (path.StartsWith('/') ? path : "/" + path));
        if (!full.StartsWith("/usr/share/nginx/html", StringComparison.Ordinal))
        {
            full = "/usr/share/nginx/html";
        }

        if (container.Files.IsDirectory(full))
        {
            full = full.TrimEnd('/') + "/index.html";
        }

        if (container.Files.TryRead(full, out var content))
        {
            var type = full.EndsWith(".html", StringComparison.Ordinal) ? "text/html" : "text/plain";
            return new PodHttpResponse(200, "OK", type, content);
        }

        return new PodHttpResponse(404, "Not Found", "text/html",
            "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n"u8.ToArray());
    }

    /// <summary>Serves one exec or attach request: WebSocket channel protocols or SPDY/3.1 (plain upgrade or tunnelled).</summary>
    public async Task HandleAsync(HttpContext context, string @namespace, string podName, bool attach)
    {
        var exec = await PrepareAsync(context, @namespace, podName, attach).ConfigureAwait(false);
        if (exec is null)
        {
            return;
        }

        if (Spdy.SpdyTransport.IsUpgrade(context))
        {
            await Spdy.SpdyExec.ServeUpgradeAsync(context, exec).ConfigureAwait(false);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await StatusResponses.BadRequestAsync(context, "Upgrade request required").ConfigureAwait(false);
            return;
        }

        if (!_webSockets)
        {
            // Plays an API server without WebSocket streaming: clients fall back to SPDY/3.1.
            await StatusResponses.BadRequestAsync(context, "unable to upgrade connection: this emulator is configured to serve exec and attach over SPDY/3.1 only (KubeApiEmulatorOptions.ExecWebSockets is false)").ConfigureAwait(false);
            return;
        }

        var requested = context.WebSockets.WebSocketRequestedProtocols;
        if (Spdy.SpdyTransport.Negotiate(Spdy.SpdyTransport.TunnelledProtocols(context), Spdy.SpdyExec.Protocols) is { Length: > 0 } tunnelled)
        {
            await Spdy.SpdyExec.ServeTunnelAsync(context, exec, tunnelled).ConfigureAwait(false);
            return;
        }

        string? protocol = null;
        if (requested.Count > 0)
        {
            protocol = requested.FirstOrDefault(p => _protocols.Contains(p, StringComparer.Ordinal));
            if (protocol is null)
            {
                await StatusResponses.BadRequestAsync(context, $"unable to upgrade connection: requested protocol(s) are not supported: [{string.Join(' ', requested)}]; supports [{string.Join(' ', _protocols)}]").ConfigureAwait(false);
                return;
            }
        }

        await ServeWebSocketAsync(context, exec, protocol).ConfigureAwait(false);
    }

    /// <summary>Validates an exec/attach request (pod, container, command, streams); null after answering an error.</summary>
    private async Task<ExecSession?> PrepareAsync(HttpContext context, string @namespace, string podName, bool attach)
    {
        var pod = _cluster.GetPod(@namespace, podName);
        if (pod is null)
        {
            await StatusResponses.NotFoundAsync(context, "pods", podName).ConfigureAwait(false);
            return null;
        }

        var query = context.Request.Query;
        var names = (pod.Spec?.Containers ?? []).Select(c => c.Name).ToList();
        var containerName = query["container"].ToString();
        if (containerName.Length == 0)
        {
            if (names.Count != 1)
            {
                await StatusResponses.BadRequestAsync(context, $"a container name must be specified for pod {podName}, choose one of: [{string.Join(' ', names)}]").ConfigureAwait(false);
                return null;
            }

            containerName = names[0];
        }
        else if (!names.Contains(containerName))
        {
            await StatusResponses.BadRequestAsync(context, $"container {containerName} is not valid for pod {podName}").ConfigureAwait(false);
            return null;
        }

        if (await PodGate.RejectUnlessRunningAsync(context, pod).ConfigureAwait(false))
        {
            return null;
        }

        var status = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == containerName);
        if (status?.State?.Terminated is not null || status?.State?.Waiting is not null)
        {
            await StatusResponses.BadRequestAsync(context, $"container not found (\"{containerName}\")").ConfigureAwait(false);
            return null;
        }

        var command = attach ? [] : query["command"].Where(c => c is not null).Select(c => c!).ToList();
        if (!attach && command.Count == 0)
        {
            await StatusResponses.BadRequestAsync(context, "you must specify at least 1 command").ConfigureAwait(false);
            return null;
        }

        var stdin = Flag(query, "stdin");
        var stdout = Flag(query, "stdout");
        var stderr = Flag(query, "stderr");
        var tty = Flag(query, "tty");
        if (!stdin && !stdout && !stderr)
        {
            await StatusResponses.BadRequestAsync(context, "you must specify at least 1 of stdin, stdout, stderr").ConfigureAwait(false);
            return null;
        }

        if (tty && stderr)
        {
            // A terminal merges stderr into stdout, as the kubelet does.
            stderr = false;
        }

        var runtime = Runtime(pod);
        var handler = _handlers.TryGetValue((@namespace, podName, containerName), out var h) ? h
            : _handlers.TryGetValue((@namespace, podName, string.Empty), out h) ? h : null;
        return new ExecSession(this, runtime, runtime.Containers[containerName], containerName, command, attach, stdin, stdout, stderr, tty, handler);
    }

    /// <summary>
    /// Serves exec over a WebSocket channel protocol: v5 and v4 (status as JSON), or the base
    /// <c>channel.k8s.io</c> when the client offers no subprotocol (status as text, failures only).
    /// </summary>
    private async Task ServeWebSocketAsync(HttpContext context, ExecSession exec, string? protocol)
    {
        var (stdin, stdout, stderr, tty) = (exec.Stdin, exec.Stdout, exec.Stderr, exec.Tty);
        using var ws = await context.WebSockets.AcceptWebSocketAsync(protocol).ConfigureAwait(false);
        var channels = new ChannelWebSocket(ws);
        using var lifetime = exec.Lifetime(context.RequestAborted);
        var ct = lifetime.Token;
        var v5 = protocol == Protocols[0];
        var jsonStatus = protocol is not null;

        // Tell the client the streams are ready: an empty frame on the lowest writable channel.
        await channels.SendAsync(stdout ? StdoutChannel : stderr ? StderrChannel : StatusChannel, ReadOnlyMemory<byte>.Empty, ct).ConfigureAwait(false);

        var stdinPipe = new Pipe(new PipeOptions(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, useSynchronizationContext: false));
        if (!stdin)
        {
            await stdinPipe.Writer.CompleteAsync().ConfigureAwait(false);
        }

        var resizes = Channel.CreateBounded<TerminalSize>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest });
        var translate = tty && exec.Handler is null;
        var outStream = new ChannelOutputStream(channels, StdoutChannel, stdout, translate, ct);
        var errStream = tty ? outStream : new ChannelOutputStream(channels, StderrChannel, stderr, translate, ct);
        var stdinStream = stdinPipe.Reader.AsStream();
        var stdinOpen = stdin;

        [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
        async ValueTask OnFrame(byte channel, ReadOnlyMemory<byte> data)
        {
            switch (channel)
            {
                case StdinChannel when stdinOpen && !data.IsEmpty:
                    var flush = await stdinPipe.Writer.WriteAsync(data, ct).ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        stdinOpen = false;
                    }

                    break;
                case ResizeChannel when !data.IsEmpty:
                    if (TryParseResize(data.Span, out var size))
                    {
                        resizes.Writer.TryWrite(size);
                    }

                    break;
                case CloseChannel when v5 && !data.IsEmpty && data.Span[0] == StdinChannel:
                    if (stdinOpen)
                    {
                        stdinOpen = false;
                        await stdinPipe.Writer.CompleteAsync().ConfigureAwait(false);
                    }

                    break;
            }
        }

        var receive = Task.Run(async () =>
        {
            try
            {
                await channels.ReceiveAsync(OnFrame, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                if (stdinOpen)
                {
                    stdinOpen = false;
                    await stdinPipe.Writer.CompleteAsync().ConfigureAwait(false);
                }

                resizes.Writer.TryComplete();
            }
        });

        int exitCode;
        string? internalError;
        try
        {
            (exitCode, internalError) = await exec.RunAsync(stdinStream, outStream, errStream, resizes.Reader, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away or the pod stopped: nothing left to report to.
            await channels.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            await FinishAsync(receive, ws).ConfigureAwait(false);
            return;
        }

        var status = jsonStatus ? StatusJson(exitCode, internalError, exec.Command) : StatusText(exitCode, internalError, exec.Command);
        if (status.Length > 0)
        {
            await channels.SendAsync(StatusChannel, status, ct).ConfigureAwait(false);
        }

        await channels.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        await stdinPipe.Reader.CompleteAsync().ConfigureAwait(false);
        await FinishAsync(receive, ws).ConfigureAwait(false);
    }

    /// <summary>One validated exec or attach: the container, command and streams asked for; runs the process behind any transport.</summary>
    internal sealed class ExecSession
    {
        private readonly ExecHandler _owner;
        private readonly PodRuntime _runtime;

        internal ExecSession(ExecHandler owner, object runtime, EmulatedContainer container, string containerName, List<string> command, bool attach, bool stdin, bool stdout, bool stderr, bool tty, EmulatorExecHandler? handler)
        {
            _owner = owner;
            _runtime = (PodRuntime)runtime;
            Container = container;
            ContainerName = containerName;
            Command = command;
            Attach = attach;
            Stdin = stdin;
            Stdout = stdout;
            Stderr = stderr;
            Tty = tty;
            Handler = handler;
        }

        public EmulatedContainer Container { get; }

        public string ContainerName { get; }

        public List<string> Command { get; }

        public bool Attach { get; }

        public bool Stdin { get; }

        public bool Stdout { get; }

        public bool Stderr { get; }

        public bool Tty { get; }

        public EmulatorExecHandler? Handler { get; }

        /// <summary>A token cancelled when the request aborts, the pod stops or the emulator shuts down.</summary>
        public CancellationTokenSource Lifetime(CancellationToken requestAborted) =>
            CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _runtime.Stopping.Token, _owner._stopping.Token);

        /// <summary>
        /// Runs the process (a bound handler or the built-in shell) and returns its exit code, or an
        /// internal error text; throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> ends it.
        /// </summary>
        public async Task<(int ExitCode, string? InternalError)> RunAsync(Stream stdin, Stream stdout, Stream stderr, ChannelReader<TerminalSize> resizes, CancellationToken ct)
        {
            string? internalError = null;
            var exitCode = 0;
            var pid = Handler is null ? Container.Start(string.Join(' ', Command), Tty) : 0;
            try
            {
                if (Handler is not null)
                {
                    var process = new EmulatorProcess(_runtime.Namespace, _runtime.Pod, ContainerName, Command, Tty, stdin, stdout, stderr, resizes, Container.Environment);
                    exitCode = await Handler(process, ct).ConfigureAwait(false);
                }
                else if (Attach)
                {
                    exitCode = await new MiniShell(Container).ExecAsync(["sh"], new ShellIO(stdin, stdout, stderr), Tty, ct).ConfigureAwait(false);
                }
                else if (!MiniShell.Knows(Command[0]))
                {
                    internalError = $"Internal error occurred: error executing command in container: failed to exec in container: failed to start exec \"{Guid.NewGuid():N}\": OCI runtime exec failed: exec failed: unable to start container process: exec: \"{Command[0]}\": executable file not found in $PATH: unknown";
                }
                else
                {
                    exitCode = await new MiniShell(Container).ExecAsync(Command, new ShellIO(stdin, stdout, stderr), Tty, ct).ConfigureAwait(false);
                }
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                throw new OperationCanceledException(ct);
            }
            catch (IOException)
            {
                exitCode = 141;
            }
            catch (Exception ex)
            {
                internalError = "Internal error occurred: " + ex.Message;
            }
            finally
            {
                if (pid != 0)
                {
                    Container.Exit(pid);
                }
            }

            return (exitCode, internalError);
        }
    }

    internal static async Task FinishAsync(Task receive, System.Net.WebSockets.WebSocket ws)
    {
        try
        {
            await receive.WaitAsync(ChannelWebSocket.CloseGrace).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The client did not answer the close in time: drop the connection, as the kubelet does.
            ws.Abort();
        }
    }

    private static bool Flag(IQueryCollection query, string name)
    {
        var value = query[name].ToString();
        return value is "1" or "true" or "True" or "TRUE";
    }

    internal static bool TryParseResize(ReadOnlySpan<byte> json, out TerminalSize size)
    {
        size = default;
        try
        {
            var reader = new Utf8JsonReader(json);
            using var doc = JsonDocument.ParseValue(ref reader);
            int width = 0, height = 0;
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.NameEquals("Width") || property.NameEquals("width"))
                {
                    width = property.Value.GetInt32();
                }
                else if (property.NameEquals("Height") || property.NameEquals("height"))
                {
                    height = property.Value.GetInt32();
                }
            }

            size = new TerminalSize(width, height);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// The status as the protocols before v4 carry it (the base <c>channel.k8s.io</c>, SPDY v1-v3):
    /// the failure's message as text, nothing on success.
    /// </summary>
    internal static byte[] StatusText(int exitCode, string? internalError, IReadOnlyList<string> command) =>
        internalError is not null ? Encoding.UTF8.GetBytes(internalError)
        : exitCode == 0 ? []
        : Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"command terminated with non-zero exit code: error executing command [{string.Join(' ', command)}], exit code {exitCode}"));

    /// <summary>The status-channel document: Success, NonZeroExitCode with an ExitCode cause, or InternalError.</summary>
    internal static byte[] StatusJson(int exitCode, string? internalError, IReadOnlyList<string> command)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("metadata");
            writer.WriteEndObject();
            if (internalError is not null)
            {
                writer.WriteString("status", "Failure");
                writer.WriteString("message", internalError);
                writer.WriteString("reason", "InternalError");
                writer.WriteStartObject("details");
                writer.WriteStartArray("causes");
                writer.WriteStartObject();
                writer.WriteString("message", internalError);
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteNumber("code", 500);
            }
            else if (exitCode == 0)
            {
                writer.WriteString("status", "Success");
            }
            else
            {
                writer.WriteString("status", "Failure");
                writer.WriteString("message", string.Create(CultureInfo.InvariantCulture, $"command terminated with non-zero exit code: error executing command [{string.Join(' ', command)}], exit code {exitCode}"));
                writer.WriteString("reason", "NonZeroExitCode");
                writer.WriteStartObject("details");
                writer.WriteStartArray("causes");
                writer.WriteStartObject();
                writer.WriteString("reason", "ExitCode");
                writer.WriteString("message", exitCode.ToString(CultureInfo.InvariantCulture));
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        foreach (var runtime in _pods.Values)
        {
            runtime.Stopping.Cancel();
        }

        _pods.Clear();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class PodRuntime(string @namespace, string pod, string uid)
    {
        public int Started;

        public string Namespace { get; } = @namespace;

        public string Pod { get; } = pod;

        public string Uid { get; } = uid;

        public Dictionary<string, EmulatedContainer> Containers { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, LogStream> Logs { get; } = new(StringComparer.Ordinal);

        public CancellationTokenSource Stopping { get; } = new();

        public LogStream Log(string container) => Logs.GetOrAdd(container, _ => new LogStream());
    }

    /// <summary>A container's output, kept in memory (bounded to 1 MiB).</summary>
    internal sealed class LogStream : Stream
    {
        private readonly MemoryStream _data = new();

        public string Text()
        {
            lock (_data)
            {
                return Encoding.UTF8.GetString(_data.GetBuffer(), 0, (int)_data.Length);
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _data.Length;

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_data)
            {
                if (_data.Length + count <= 1024 * 1024)
                {
                    _data.Write(buffer, offset, count);
                }
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (_data)
            {
                if (_data.Length + buffer.Length <= 1024 * 1024)
                {
                    _data.Write(buffer.Span);
                }
            }

            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
