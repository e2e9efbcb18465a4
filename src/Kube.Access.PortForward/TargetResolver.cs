using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Kube.Access.PortForward;

/// <summary>A pod chosen for a target, with the pod port of each requested mapping.</summary>
/// <param name="Pod">The pod.</param>
/// <param name="PodPorts">For each requested mapping, in order, the pod's port number.</param>
internal sealed record ResolvedPod(V1Pod Pod, int[] PodPorts)
{
    public string Name => Pod.Metadata.Name;
}

/// <summary>Resolves targets to pods and ports the way kubectl's port-forward does.</summary>
internal sealed class TargetResolver
{
    private readonly IKubeConnection _connection;
    private readonly IKubernetes _client;
    private readonly IReadOnlyList<PortMapping> _ports;
    private readonly PortForwardOptions _options;
    private string? _selector;
    private V1Service? _service;

    public TargetResolver(IKubeConnection connection, string @namespace, PortForwardTarget target, IReadOnlyList<PortMapping> ports, PortForwardOptions options)
    {
        _connection = connection;
        _client = connection.Client;
        Namespace = @namespace;
        Target = target;
        _ports = ports;
        _options = options;
    }

    public string Namespace { get; }

    public PortForwardTarget Target { get; }

    /// <summary>The requested mappings.</summary>
    public IReadOnlyList<PortMapping> Ports => _ports;

    /// <summary>The label selector of a deployment, replica set or service target (after the first resolve).</summary>
    public string? Selector => _selector;

    /// <summary>Local port numbers per mapping, fixed at the first resolution (kubectl: a bare REMOTE keeps its number locally).</summary>
    public int[] LocalPorts { get; private set; } = [];

    /// <summary>The pod kubectl picks for the target: the named pod, else the first of the selector's pods in kubectl's order.</summary>
    public async Task<V1Pod> SelectPodAsync(CancellationToken cancellationToken)
    {
        if (Target.Kind == PortForwardTargetKind.Pod)
        {
            return await CallAsync(() => _client.CoreV1.ReadNamespacedPodAsync(Target.Name, Namespace, cancellationToken: cancellationToken), "pods", Target.Name).ConfigureAwait(false);
        }

        _selector ??= await GetSelectorAsync(cancellationToken).ConfigureAwait(false);
        return await FirstPodAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>kubectl's resolution: the pod (or the selector's first pod), then the port translation and checks.</summary>
    public async Task<ResolvedPod> ResolveAsync(CancellationToken cancellationToken)
    {
        var pod = await SelectPodAsync(cancellationToken).ConfigureAwait(false);

        if (pod.Status?.Phase != "Running")
        {
            throw new PortForwardException(
                $"unable to forward port because pod is not running. Current status={pod.Status?.Phase}", Namespace, pod.Metadata.Name);
        }

        var (podPorts, localPorts) = Translate(pod);
        LocalPorts = localPorts;
        return new ResolvedPod(pod, podPorts);
    }

    /// <summary>
    /// Beyond kubectl: the running, ready pods of the target's selector in kubectl's order (ready first),
    /// excluding <paramref name="exclude"/>; pods whose ports cannot be translated are skipped.
    /// </summary>
    public async Task<IReadOnlyList<ResolvedPod>> ReadyPodsAsync(string? exclude, CancellationToken cancellationToken)
    {
        if (_selector is null)
        {
            return [];
        }

        var list = await CallAsync(() => _client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: _selector, cancellationToken: cancellationToken), "pods", _selector).ConfigureAwait(false);
        var result = new List<ResolvedPod>();
        foreach (var pod in PodOrdering.SortLikeKubectl(list.Items.Where(p => PodOrdering.IsRunning(p) && p.Metadata.Name != exclude)))
        {
            if (!PodOrdering.IsReady(pod) && result.Count > 0)
            {
                continue;
            }

            try
            {
                result.Add(new ResolvedPod(pod, Translate(pod).PodPorts));
            }
            catch (PortForwardException)
            {
                // A pod of another shape (named port missing): not a candidate.
            }
        }

        // Prefer ready pods; a running but not ready pod only when nothing is ready.
        var ready = result.Where(r => PodOrdering.IsReady(r.Pod)).ToList();
        return ready.Count > 0 ? ready : result;
    }

    private async Task<string> GetSelectorAsync(CancellationToken cancellationToken)
    {
        switch (Target.Kind)
        {
            case PortForwardTargetKind.Deployment:
            {
                var d = await CallAsync(() => _client.AppsV1.ReadNamespacedDeploymentAsync(Target.Name, Namespace, cancellationToken: cancellationToken), "deployments.apps", Target.Name).ConfigureAwait(false);
                return SelectorText(d.Spec?.Selector, "deployment");
            }

            case PortForwardTargetKind.ReplicaSet:
            {
                var rs = await CallAsync(() => _client.AppsV1.ReadNamespacedReplicaSetAsync(Target.Name, Namespace, cancellationToken: cancellationToken), "replicasets.apps", Target.Name).ConfigureAwait(false);
                return SelectorText(rs.Spec?.Selector, "replicaset");
            }

            case PortForwardTargetKind.Service:
            {
                _service = await CallAsync(() => _client.CoreV1.ReadNamespacedServiceAsync(Target.Name, Namespace, cancellationToken: cancellationToken), "services", Target.Name).ConfigureAwait(false);
                if (_service.Spec?.Selector is not { Count: > 0 } selector)
                {
                    throw new PortForwardException($"invalid service '{Target.Name}': Service is defined without a selector", Namespace);
                }

                return string.Join(",", selector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
            }

            default:
                throw new PortForwardSpecException($"cannot select pods for {Target}", Target.ToString());
        }
    }

    private string SelectorText(V1LabelSelector? selector, string kind)
    {
        var parts = new List<string>();
        if (selector?.MatchLabels is { } labels)
        {
            parts.AddRange(labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        }

        if (selector?.MatchExpressions is { } expressions)
        {
            foreach (var e in expressions)
            {
                var values = string.Join(",", e.Values ?? []);
                parts.Add(e.OperatorProperty switch
                {
                    "In" => $"{e.Key} in ({values})",
                    "NotIn" => $"{e.Key} notin ({values})",
                    "Exists" => e.Key,
                    "DoesNotExist" => $"!{e.Key}",
                    _ => throw new PortForwardException($"{kind} '{Target.Name}' has a selector operator '{e.OperatorProperty}' that is not understood", Namespace),
                });
            }
        }

        if (parts.Count == 0)
        {
            throw new PortForwardException($"{kind} '{Target.Name}' has an empty selector; it selects no pod to forward to", Namespace);
        }

        return string.Join(",", parts);
    }

    private async Task<V1Pod> FirstPodAsync(CancellationToken cancellationToken)
    {
        // kubectl's GetFirstPod: list; if empty, wait (up to --pod-running-timeout) for one to appear.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.PodRunningTimeout);
        try
        {
            while (true)
            {
                var list = await CallAsync(() => _client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: _selector, cancellationToken: timeout.Token), "pods", _selector!).ConfigureAwait(false);
                if (list.Items is { Count: > 0 })
                {
                    return PodOrdering.SortLikeKubectl(list.Items)[0];
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PortForwardException($"timed out waiting for a pod of {Target} (selector {_selector}) after {_options.PodRunningTimeout}", Namespace);
        }
    }

    /// <summary>Pod port numbers (and local ports) for the requested mappings, with kubectl's UDP checks.</summary>
    private (int[] PodPorts, int[] LocalPorts) Translate(V1Pod pod)
    {
        var podPorts = new int[_ports.Count];
        var localPorts = new int[_ports.Count];
        for (var i = 0; i < _ports.Count; i++)
        {
            var mapping = _ports[i];
            int remote;
            if (_service is { } svc)
            {
                var svcPortNumber = mapping.RemoteNumber ?? LookupServicePortByName(svc, mapping.Remote);
                var svcPort = svc.Spec?.Ports?.FirstOrDefault(p => p.Port == svcPortNumber)
                    ?? throw new PortForwardException($"Service {svc.Metadata.Name} does not have a service port {svcPortNumber}", Namespace, pod.Metadata.Name, svcPortNumber);
                if (string.Equals(svcPort.Protocol, "UDP", StringComparison.OrdinalIgnoreCase))
                {
                    throw new PortForwardException($"UDP protocol is not supported for {mapping.Remote}", Namespace, pod.Metadata.Name, svcPortNumber);
                }

                remote = ContainerPortForServicePort(svcPort, pod);
                localPorts[i] = mapping.LocalPortFromRemote ? svcPortNumber : mapping.LocalPort;
            }
            else
            {
                remote = mapping.RemoteNumber ?? LookupContainerPortByName(pod, mapping.Remote);
                var udp = new HashSet<int>();
                var tcp = new HashSet<int>();
                foreach (var port in (pod.Spec?.Containers ?? []).SelectMany(c => c.Ports ?? []))
                {
                    (string.Equals(port.Protocol, "UDP", StringComparison.OrdinalIgnoreCase) ? udp : tcp).Add(port.ContainerPort);
                }

                if (udp.Contains(remote) && !tcp.Contains(remote))
                {
                    throw new PortForwardException($"UDP protocol is not supported for {mapping.Remote}", Namespace, pod.Metadata.Name, remote);
                }

                localPorts[i] = mapping.LocalPortFromRemote ? remote : mapping.LocalPort;
            }

            if (remote is < 1 or > 65535)
            {
                throw new PortForwardException($"pod {pod.Metadata.Name} port {remote} is out of range", Namespace, pod.Metadata.Name, remote);
            }

            podPorts[i] = remote;
        }

        return (podPorts, localPorts);
    }

    private int LookupServicePortByName(V1Service svc, string name) =>
        svc.Spec?.Ports?.FirstOrDefault(p => p.Name == name)?.Port
        ?? throw new PortForwardException($"Service '{svc.Metadata.Name}' does not have a named port '{name}'", Namespace);

    private int LookupContainerPortByName(V1Pod pod, string name) =>
        (pod.Spec?.Containers ?? []).SelectMany(c => c.Ports ?? []).FirstOrDefault(p => p.Name == name)?.ContainerPort
        ?? throw new PortForwardException($"Pod '{pod.Metadata.Name}' does not have a named port '{name}'", Namespace, pod.Metadata.Name);

    private int ContainerPortForServicePort(V1ServicePort svcPort, V1Pod pod)
    {
        var target = svcPort.TargetPort?.Value;
        if (string.IsNullOrEmpty(target))
        {
            return svcPort.Port;
        }

        if (int.TryParse(target, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            return number == 0 ? svcPort.Port : number;
        }

        return LookupContainerPortByName(pod, target);
    }

    private async Task<T> CallAsync<T>(Func<Task<T>> call, string resource, string name)
    {
        try
        {
            return await KubeApiErrors.Call(_connection, call, $"get {resource} {Namespace}/{name}").ConfigureAwait(false);
        }
        catch (KubeApiException ex)
        {
            // kubectl's words: Error from server (NotFound): pods "x" not found.
            var status = (HttpStatusCode)ex.StatusCode;
            var text = status == HttpStatusCode.NotFound ? $"{resource} \"{name}\" not found" : ex.ResponseBody ?? ex.Message;
            throw new PortForwardException($"Error from server ({status}): {text}", Namespace, resource == "pods" ? name : null, null, ex.ResponseBody, ex);
        }
        catch (KubeConnectionException ex)
        {
            throw new PortForwardException($"cannot reach the API server: {ex.Message}", Namespace, innerException: ex);
        }
    }
}
