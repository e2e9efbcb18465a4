using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kube.Access.Testing.Internal;
using Kube.Access.Testing.Streaming;
using Microsoft.AspNetCore.Http;

namespace Kube.Access.Testing;

/// <summary>The streaming subresources wired into the emulator: port-forward, proxy, exec and attach, container processes.</summary>
public sealed partial class KubeApiEmulator
{
    private StreamingSubresources? _streaming;

    /// <summary>The streaming subresources (created with the emulator).</summary>
    internal StreamingSubresources Streaming => _streaming ?? throw new InvalidOperationException("The streaming subresources are not initialised.");

    /// <summary>
    /// Lets a test supply the process behind <c>exec</c> and <c>attach</c> in a container: every
    /// exec there runs <paramref name="handler"/> instead of the built-in shell.
    /// </summary>
    /// <param name="namespace">The pod's namespace.</param>
    /// <param name="pod">The pod's name.</param>
    /// <param name="container">The container's name; empty for every container of the pod.</param>
    /// <param name="handler">The process: gets stdin/stdout/stderr, tty and resize events; returns the exit code.</param>
    /// <exception cref="KubeApiEmulatorException">A name is missing or the handler is null.</exception>
    public void BindExec(string @namespace, string pod, string container, EmulatorExecHandler handler)
    {
        if (string.IsNullOrEmpty(@namespace) || string.IsNullOrEmpty(pod) || container is null || handler is null)
        {
            throw new KubeApiEmulatorException($"BindExec needs a namespace, a pod, a container (empty for all) and a handler (got {@namespace}/{pod}/{container}).");
        }

        Streaming.Exec.Bind(@namespace, pod, container, handler);
    }

    /// <summary>What the command of a container started by the emulator wrote so far (stdout and stderr).</summary>
    /// <param name="namespace">The pod's namespace.</param>
    /// <param name="pod">The pod's name.</param>
    /// <param name="container">The container's name.</param>
    /// <returns>The output, empty when the container runs no command.</returns>
    public string ContainerOutput(string @namespace, string pod, string container) => Streaming.Exec.Logs(@namespace, pod, container);

    private void InitializeStreaming()
    {
        var streaming = new StreamingSubresources(new StoreView(_state), ResolveBinding, _options.ExecProtocols, _options.ExecWebSockets);
        _streaming = streaming;
        RegisterForDisposal(streaming);
        streaming.Exec.ContainerTerminated += OnContainerTerminated;
        _state.Pods.Changed += OnPodChanged;
    }

    partial void HandleStreamingSubresource(HttpContext context, StreamingRequest request, ref Task? handled) =>
        handled = Streaming.HandleAsync(context, request.Resource, request.Namespace, request.Name, request.Subresource, request.ProxyPath);

    private EndPoint? ResolveBinding(string @namespace, string pod, int port)
    {
        if (!TryGetPodPortBinding(@namespace, pod, port, out var binding))
        {
            return null;
        }

        return binding.Endpoint ?? (binding.Backend is { } backend ? Streaming.Ports.EndPointOf(backend) : null);
    }

    private void OnPodChanged(ResourceStore store, WatchEvent evt)
    {
        var stored = evt.Object;
        if (stored.IsSynthetic)
        {
            return;
        }

        if (evt.Type == Internal.WatchEventType.Deleted)
        {
            _streaming?.Exec.StopPod(stored.Namespace, stored.Name);
            return;
        }

        if (stored.Phase != "Running" || (evt.Old is { Phase: "Running" } old && old.Uid == stored.Uid))
        {
            return;
        }

        // Off the store's mutation path: starting containers may write pod status back.
        _ = Task.Run(() =>
        {
            var pod = StoreView.ToPod(stored);
            if (pod is null || _streaming is null)
            {
                return;
            }

            BindGuideBackends(pod);
            _streaming.Exec.StartPod(pod);
        });
    }

    /// <summary>The guide's hello applications answer HTTP on their container ports.</summary>
    private void BindGuideBackends(V1Pod pod)
    {
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            var image = container.Image ?? string.Empty;
            if (!image.Contains("google-samples/hello", StringComparison.Ordinal) && !image.Contains("google-samples/node-hello", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var port in container.Ports ?? [])
            {
                if (!TryGetPodPortBinding(pod.Metadata.NamespaceProperty, pod.Metadata.Name, port.ContainerPort, out _)
                    && !Streaming.Ports.IsBound(pod.Metadata.NamespaceProperty, pod.Metadata.Name, port.ContainerPort))
                {
                    Streaming.Ports.Bind(pod.Metadata.NamespaceProperty, pod.Metadata.Name, port.ContainerPort, PodBackend.HelloHttp);
                }
            }
        }
    }

    private void OnContainerTerminated(string @namespace, string pod, string container, int exitCode)
    {
        try
        {
            _state.Replace(ResourceCatalog.Pods, @namespace, pod, current => Terminate(current, container, exitCode), "status");
        }
        catch (ApiException)
        {
            // The pod is gone.
        }
    }

    private static JsonObject Terminate(JsonObject pod, string container, int exitCode)
    {
        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var status = JsonUtil.Ensure(pod, "status");
        var restartPolicy = JsonUtil.Str(JsonUtil.Obj(pod["spec"])?["restartPolicy"]) ?? "Always";
        var statuses = JsonUtil.Arr(status["containerStatuses"]) ?? [];
        foreach (var entry in statuses.OfType<JsonObject>())
        {
            if (JsonUtil.Str(entry["name"]) != container)
            {
                continue;
            }

            var startedAt = JsonUtil.Str(JsonUtil.Obj(JsonUtil.Obj(entry["state"])?["running"])?["startedAt"]) ?? now;
            var terminated = new JsonObject
            {
                ["exitCode"] = exitCode,
                ["reason"] = exitCode == 0 ? "Completed" : "Error",
                ["startedAt"] = startedAt,
                ["finishedAt"] = now,
                ["containerID"] = JsonUtil.Str(entry["containerID"]),
            };
            var restarts = restartPolicy == "Always" || (restartPolicy == "OnFailure" && exitCode != 0);
            if (restarts)
            {
                // The kubelet would restart it; the emulator does not rerun commands, so it backs off.
                entry["lastState"] = new JsonObject { ["terminated"] = terminated };
                entry["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = $"back-off 10s restarting failed container={container}" } };
                entry["restartCount"] = (JsonUtil.Int(entry["restartCount"]) ?? 0) + 1;
            }
            else
            {
                entry["state"] = new JsonObject { ["terminated"] = terminated };
            }

            entry["ready"] = false;
            entry["started"] = false;
        }

        var all = statuses.OfType<JsonObject>().ToList();
        var terminatedCodes = all.Select(e => JsonUtil.Obj(JsonUtil.Obj(e["state"])?["terminated"])).ToList();
        if (terminatedCodes.All(t => t is not null) && all.Count > 0)
        {
            status["phase"] = terminatedCodes.All(t => JsonUtil.Int(t!["exitCode"]) == 0) ? "Succeeded" : "Failed";
        }

        if (JsonUtil.Arr(status["conditions"]) is { } conditions)
        {
            foreach (var condition in conditions.OfType<JsonObject>())
            {
                if (JsonUtil.Str(condition["type"]) is "Ready" or "ContainersReady")
                {
                    condition["status"] = "False";
                    condition["reason"] = status["phase"]?.GetValue<string>() is "Succeeded" ? "PodCompleted" : "ContainersNotReady";
                    condition["lastTransitionTime"] = now;
                }
            }
        }

        return pod;
    }

    /// <summary>The object store as the streaming handlers see it (typed models, read on demand).</summary>
    private sealed class StoreView(EmulatorState state) : IStreamingCluster
    {
        public V1Pod? GetPod(string @namespace, string name) =>
            state.Pods.TryGet(@namespace, name, out var stored) ? ToPod(stored) : null;

        public V1Service? GetService(string @namespace, string name) =>
            state.Services.TryGet(@namespace, name, out var stored) ? Read<V1Service>(stored) : null;

        public V1Node? GetNode(string name) =>
            state.Nodes.TryGet(string.Empty, name, out var stored) ? Read<V1Node>(stored) : null;

        public IReadOnlyList<V1Pod> ListPods(string @namespace, IDictionary<string, string> selector)
        {
            var pods = new List<V1Pod>();
            foreach (var stored in state.Pods.Snapshot.Range(@namespace))
            {
                if (selector.All(pair => stored.GetLabel(pair.Key) == pair.Value) && ToPod(stored) is { } pod)
                {
                    pods.Add(pod);
                }
            }

            return pods;
        }

        internal static V1Pod? ToPod(StoredObject stored) => Read<V1Pod>(stored);

        private static T? Read<T>(StoredObject stored)
            where T : class
        {
            try
            {
                return KubernetesJson.Deserialize<T>(Encoding.UTF8.GetString(stored.GetJson()));
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }
    }
}
