using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Kube.Access.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kube.Access.Exec;

/// <summary>Runs commands in containers and attaches to them (<c>kubectl exec</c>, <c>kubectl attach</c>).</summary>
public interface IPodExec
{
    /// <summary>
    /// Starts <see cref="ExecRequest.Command"/> in a container over WebSocket (<c>v5.channel.k8s.io</c>, else
    /// <c>v4.channel.k8s.io</c>). The pod is read first: it must exist and not be completed, and the container is
    /// chosen like kubectl when none is named.
    /// </summary>
    /// <exception cref="ExecException">The pod, container or upgrade was refused (the kind and the API server's text say which).</exception>
    Task<ExecSession> StartAsync(ExecRequest request, CancellationToken cancellationToken = default);

    /// <summary>Attaches to the container's main process (<c>pods/{name}/attach</c>); the same session type as exec.</summary>
    /// <exception cref="ExecException">The pod, container or upgrade was refused.</exception>
    Task<ExecSession> AttachAsync(AttachRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a command to its end and collects stdout, stderr and the exit code. With <paramref name="stdin"/>, it is
    /// sent to the end and then stdin is closed (needs <c>v5.channel.k8s.io</c>). A non-zero exit code is a result,
    /// not an exception, as with kubectl.
    /// </summary>
    /// <param name="namespace">The pod's namespace (null: the connection's).</param>
    /// <param name="pod">The pod.</param>
    /// <param name="command">The command and its arguments.</param>
    /// <param name="container">The container (null: chosen like kubectl).</param>
    /// <param name="stdin">Input for the command, read to its end; null sends no stdin.</param>
    /// <param name="cancellationToken">Cancels the run (the connection is dropped).</param>
    Task<ExecRunResult> RunAsync(string? @namespace, string pod, IReadOnlyList<string> command, string? container = null, Stream? stdin = null, CancellationToken cancellationToken = default);

    /// <summary>Runs a command to its end with <paramref name="stdin"/> as its input (stdin is closed after it).</summary>
    Task<ExecRunResult> RunAsync(string? @namespace, string pod, IReadOnlyList<string> command, string? container, ReadOnlyMemory<byte> stdin, CancellationToken cancellationToken = default);
}

/// <summary>The <see cref="IPodExec"/> over an <see cref="IKubeConnection"/>.</summary>
public sealed class PodExec : IPodExec
{
    /// <summary>The pod annotation naming the container kubectl picks by default.</summary>
    public const string DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container";

    private readonly ConnectionSource _connection;
    private readonly PodExecOptions _options;
    private readonly ILogger<PodExec> _logger;

    /// <summary>Creates the capability over <paramref name="connection"/> (not owned).</summary>
    public PodExec(IKubeConnection connection, IOptions<PodExecOptions>? options = null, ILogger<PodExec>? logger = null)
    {
        _connection = new ConnectionSource(connection);
        _options = options?.Value ?? new PodExecOptions();
        _logger = logger ?? NullLogger<PodExec>.Instance;
    }

    /// <summary>Creates the capability over the container's default connection.</summary>
    public PodExec(IKubeDefaultConnection connection, IOptions<PodExecOptions>? options = null, ILogger<PodExec>? logger = null)
    {
        _connection = new ConnectionSource(connection);
        _options = options?.Value ?? new PodExecOptions();
        _logger = logger ?? NullLogger<PodExec>.Instance;
    }

    /// <inheritdoc />
    public Task<ExecSession> StartAsync(ExecRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Command is null || request.Command.Count == 0 || request.Command.Any(a => a is null))
        {
            throw new ExecException(ExecErrorKind.InvalidRequest, $"Exec in pod {request.Pod} needs a command (at least one non-null argument).", request.Namespace, request.Pod, request.Container);
        }

        return OpenAsync("exec", request.Namespace, request.Pod, request.Container, request.Command, request.Stdin, request.Stdout, request.Stderr, request.Tty, request.InitialTerminalSize, cancellationToken);
    }

    /// <inheritdoc />
    public Task<ExecSession> AttachAsync(AttachRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return OpenAsync("attach", request.Namespace, request.Pod, request.Container, [], request.Stdin, request.Stdout, request.Stderr, request.Tty, request.InitialTerminalSize, cancellationToken);
    }

    /// <inheritdoc />
    public Task<ExecRunResult> RunAsync(string? @namespace, string pod, IReadOnlyList<string> command, string? container = null, Stream? stdin = null, CancellationToken cancellationToken = default) =>
        RunCoreAsync(@namespace, pod, command, container, stdin is null ? null : (session, ct) => CopyStreamAsync(stdin, session, ct), cancellationToken);

    /// <inheritdoc />
    public Task<ExecRunResult> RunAsync(string? @namespace, string pod, IReadOnlyList<string> command, string? container, ReadOnlyMemory<byte> stdin, CancellationToken cancellationToken = default) =>
        RunCoreAsync(@namespace, pod, command, container, (session, ct) => session.WriteStdinAsync(stdin, ct), cancellationToken);

    private async Task<ExecRunResult> RunCoreAsync(string? @namespace, string pod, IReadOnlyList<string> command, string? container, Func<ExecSession, CancellationToken, ValueTask>? feed, CancellationToken cancellationToken)
    {
        var request = new ExecRequest { Namespace = @namespace, Pod = pod, Container = container, Command = command, Stdin = feed is not null };
        await using var session = await StartAsync(request, cancellationToken).ConfigureAwait(false);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stdout = CollectAsync(session.Stdout, cancel.Token);
        var stderr = CollectAsync(session.Stderr, cancel.Token);
        try
        {
            if (feed is not null)
            {
                await feed(session, cancel.Token).ConfigureAwait(false);
                await session.CloseStdinAsync(cancel.Token).ConfigureAwait(false);
            }

            var output = await stdout.ConfigureAwait(false);
            var errors = await stderr.ConfigureAwait(false);
            var result = await session.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
            return new ExecRunResult(session.Container, output, errors, result, session.DefaultedContainerNotice);
        }
        catch
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            await session.DisposeAsync().ConfigureAwait(false);
            await Task.WhenAll(Observe(stdout), Observe(stderr)).ConfigureAwait(false);
            throw;
        }

        static async Task Observe(Task task)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch
            {
                // The first failure is the one reported.
            }
        }
    }

    private static async ValueTask CopyStreamAsync(Stream source, ExecSession session, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(32 * 1024);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await session.WriteStdinAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<ReadOnlyMemory<byte>> CollectAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var output = new ArrayBufferWriter<byte>();
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            foreach (var segment in read.Buffer)
            {
                output.Write(segment.Span);
            }

            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        return output.WrittenMemory;
    }

    private async Task<ExecSession> OpenAsync(
        string subresource, string? @namespace, string pod, string? container, IReadOnlyList<string> command,
        bool stdin, bool stdout, bool stderr, bool tty, ExecTerminalSize? size, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(pod))
        {
            throw new ExecException(ExecErrorKind.InvalidRequest, $"{subresource} needs a pod name.", @namespace, pod, container);
        }

        if (!stdin && !stdout && !stderr)
        {
            throw new ExecException(ExecErrorKind.InvalidRequest, "you must specify at least one of stdin, stdout or stderr", @namespace, pod, container);
        }

        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var ns = string.IsNullOrEmpty(@namespace) ? connection.Namespace : @namespace;

        var podObject = await ReadPodAsync(connection, ns, pod, container, cancellationToken).ConfigureAwait(false);
        var phase = podObject.Status?.Phase;
        if (phase is "Succeeded" or "Failed")
        {
            var text = $"cannot {subresource} into a container in a completed pod; current phase is {phase}";
            throw new ExecException(ExecErrorKind.PodNotRunning, text, ns, pod, container, text);
        }

        string? notice = null;
        if (string.IsNullOrEmpty(container))
        {
            (container, notice) = ChooseContainer(podObject);
            if (notice is not null)
            {
                _logger.LogWarning("{Notice}", notice);
            }
        }

        // As kubectl attach: the running process has a terminal or it has not, whatever was asked.
        string? ttyNotice = null;
        if (subresource == "attach")
        {
            var allocated = HasTty(podObject.Spec, container);
            if (tty && !allocated)
            {
                tty = false;
                ttyNotice = $"Unable to use a TTY - container {container} did not allocate one";
                _logger.LogWarning("{Notice}", ttyNotice);
            }
            else if (!tty && allocated)
            {
                // Without it the process's terminal output would be read as channel frames it is not.
                tty = true;
            }
        }

        // As kubectl: with a terminal stderr travels on stdout, so it is not asked for.
        var path = BuildPath(subresource, ns, pod, container, command, stdin, stdout, stderr && !tty, tty);
        var channels = await WebSocketChannels.OpenAsync(
            connection,
            path,
            _options.Protocols,
            _options.Channels,
            ex => FromRejectedUpgrade(ex, ns, pod, container),
            ex => new ExecException(ExecErrorKind.ConnectionLost, $"The {subresource} connection to pod {ns}/{pod} container {container} ended at once: {ex.Message}", ns, pod, container, innerException: ex),
            cancellationToken).ConfigureAwait(false);

        var session = new ExecSession(channels, ns, pod, container, stdin, tty, notice, _options.Channels.MaxFramePayload) { TtyNotice = ttyNotice };
        _logger.LogDebug("{Subresource} in pod {Namespace}/{Pod} container {Container} over {Protocol}", subresource, ns, pod, container, session.Protocol);
        if (tty && size is { } initial)
        {
            try
            {
                await session.ResizeAsync(initial.Width, initial.Height, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await session.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return session;
    }

    /// <summary>
    /// kubectl's choice when no container is named: the <c>kubectl.kubernetes.io/default-container</c> annotation
    /// when it names a container of the pod, else the first container, with kubectl's notice when the pod has
    /// more than one (init and ephemeral containers count, and are listed with their marks).
    /// </summary>
    /// <returns>The container and the notice to show (null when kubectl prints none).</returns>
    /// <exception cref="ExecException">The pod has no containers.</exception>
    public static (string Container, string? Notice) ChooseContainer(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var spec = pod.Spec;
        var containers = spec?.Containers ?? [];
        var ns = pod.Metadata?.NamespaceProperty;
        var name = pod.Metadata?.Name;
        if (containers.Count == 0)
        {
            throw new ExecException(ExecErrorKind.ContainerNotFound, $"pod {ns}/{name} does not have any containers", ns, name, null);
        }

        if (pod.Metadata?.Annotations is { } annotations && annotations.TryGetValue(DefaultContainerAnnotation, out var annotated) && !string.IsNullOrEmpty(annotated)
            && (containers.Any(c => c.Name == annotated) || (spec?.InitContainers ?? []).Any(c => c.Name == annotated) || (spec?.EphemeralContainers ?? []).Any(c => c.Name == annotated)))
        {
            return (annotated, null);
        }

        var first = containers[0].Name;
        var init = spec?.InitContainers ?? [];
        var ephemeral = spec?.EphemeralContainers ?? [];
        if (containers.Count == 1 && init.Count == 0 && ephemeral.Count == 0)
        {
            return (first, null);
        }

        var names = containers.Select(c => c.Name)
            .Concat(ephemeral.Select(c => c.Name + " (ephem)"))
            .Concat(init.Select(c => c.Name + " (init)"));
        return (first, $"Defaulted container \"{first}\" out of: {string.Join(", ", names)}");
    }

    /// <summary>Whether the named container (regular, init or ephemeral, as kubectl looks) was started with a terminal.</summary>
    private static bool HasTty(V1PodSpec? spec, string name) =>
        spec?.Containers?.FirstOrDefault(c => c.Name == name)?.Tty
        ?? spec?.InitContainers?.FirstOrDefault(c => c.Name == name)?.Tty
        ?? spec?.EphemeralContainers?.FirstOrDefault(c => c.Name == name)?.Tty
        ?? false;

    /// <summary>The request path with its query: one <c>command=</c> per argument, then container and stream flags, URL-escaped.</summary>
    public static string BuildPath(string subresource, string @namespace, string pod, string container, IReadOnlyList<string> command, bool stdin, bool stdout, bool stderr, bool tty)
    {
        ArgumentNullException.ThrowIfNull(command);
        var query = new StringBuilder("api/v1/namespaces/")
            .Append(Uri.EscapeDataString(@namespace)).Append("/pods/").Append(Uri.EscapeDataString(pod)).Append('/').Append(subresource).Append('?');
        foreach (var argument in command)
        {
            query.Append("command=").Append(Uri.EscapeDataString(argument)).Append('&');
        }

        query.Append("container=").Append(Uri.EscapeDataString(container));
        if (stdin)
        {
            query.Append("&stdin=true");
        }

        if (stdout)
        {
            query.Append("&stdout=true");
        }

        if (stderr)
        {
            query.Append("&stderr=true");
        }

        if (tty)
        {
            query.Append("&tty=true");
        }

        return query.ToString();
    }

    /// <summary>
    /// Reads the pod for what exec needs (phase, container names and terminals, the default-container annotation)
    /// straight from the JSON, into a <see cref="V1Pod"/> holding only those fields (about 6 KB less per session
    /// than deserializing the whole pod).
    /// </summary>
    private static async Task<V1Pod> ReadPodAsync(IKubeConnection connection, string ns, string pod, string? container, CancellationToken cancellationToken)
    {
        var operation = $"get pod {ns}/{pod}";
        try
        {
            var path = $"/api/v1/namespaces/{Uri.EscapeDataString(ns)}/pods/{Uri.EscapeDataString(pod)}";
            using var response = await connection.Http.GetAsync(KubeHttp.Url(connection, path), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var error = await KubeApiException.FromResponseAsync(response, operation, cancellationToken).ConfigureAwait(false);
                var status = error.StatusCode;
                var message = error.StatusMessage ?? error.Message;
                var kind = status == 404 ? ExecErrorKind.PodNotFound : ExecErrorKind.UpgradeRejected;
                throw new ExecException(kind, status == 404 ? message : error.Message, ns, pod, container, message, status, error);
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
            return ExecPodFacts(document.RootElement);
        }
        catch (HttpRequestException ex)
        {
            throw new ExecException(ExecErrorKind.ConnectionLost, $"{operation}: the API server {connection.Server} could not be reached: {KubeApiErrors.WithCause(ex)}", ns, pod, container, innerException: ex);
        }
        catch (JsonException ex)
        {
            throw new ExecException(ExecErrorKind.UpgradeRejected, $"{operation}: the API server's answer is not a pod ({ex.Message})", ns, pod, container, innerException: ex);
        }
    }

    private static V1Pod ExecPodFacts(JsonElement pod)
    {
        var metadata = Child(pod, "metadata");
        var spec = Child(pod, "spec");
        var annotations = Child(metadata, "annotations") is { ValueKind: JsonValueKind.Object } a
            && a.TryGetProperty(DefaultContainerAnnotation, out var annotated) && annotated.ValueKind == JsonValueKind.String
            ? new Dictionary<string, string> { [DefaultContainerAnnotation] = annotated.GetString()! }
            : null;
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = Text(metadata, "name"), NamespaceProperty = Text(metadata, "namespace"), Annotations = annotations },
            Spec = new V1PodSpec
            {
                Containers = Containers(spec, "containers", (name, tty) => new V1Container { Name = name, Tty = tty }),
                InitContainers = Containers(spec, "initContainers", (name, tty) => new V1Container { Name = name, Tty = tty }),
                EphemeralContainers = Containers(spec, "ephemeralContainers", (name, tty) => new V1EphemeralContainer { Name = name, Tty = tty }),
            },
            Status = new V1PodStatus { Phase = Text(Child(pod, "status"), "phase") },
        };

        static JsonElement Child(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var child) ? child : default;

        static string? Text(JsonElement element, string name) =>
            Child(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

        static List<T> Containers<T>(JsonElement spec, string name, Func<string?, bool?, T> create)
        {
            var list = new List<T>();
            if (Child(spec, name) is { ValueKind: JsonValueKind.Array } items)
            {
                foreach (var item in items.EnumerateArray())
                {
                    var tty = Child(item, "tty") is { ValueKind: JsonValueKind.True or JsonValueKind.False } t ? t.GetBoolean() : (bool?)null;
                    list.Add(create(Text(item, "name"), tty));
                }
            }

            return list;
        }
    }

    private static ExecException FromRejectedUpgrade(KubeApiException ex, string ns, string pod, string container)
    {
        var message = ex.StatusMessage;
        message ??= ex.Message;
        var kind = ex.StatusCode switch
        {
            404 => ExecErrorKind.PodNotFound,
            _ when message.Contains("is not valid for pod", StringComparison.Ordinal) || message.Contains("container not found", StringComparison.Ordinal) && message.Contains("not valid", StringComparison.Ordinal) => ExecErrorKind.ContainerNotFound,
            _ when message.StartsWith("container not found", StringComparison.Ordinal) || message.Contains("is not running", StringComparison.Ordinal) && message.Contains("container ", StringComparison.Ordinal) && !message.StartsWith("pod ", StringComparison.Ordinal) => ExecErrorKind.ContainerNotRunning,
            _ when message.Contains("does not have a host assigned", StringComparison.Ordinal) || message.StartsWith("pod ", StringComparison.Ordinal) && message.Contains("is not running", StringComparison.Ordinal) => ExecErrorKind.PodNotRunning,
            _ => ExecErrorKind.UpgradeRejected,
        };
        return new ExecException(kind, message, ns, pod, container, message, ex.StatusCode, ex);
    }
}
