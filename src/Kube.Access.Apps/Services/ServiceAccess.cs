using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using Kube.Access.Dns;
using Kube.Access.Manifests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kube.Access.Services;

/// <summary>Services: expose workloads, describe services, list every way to reach them, wait for load balancers.</summary>
public interface IServiceAccess
{
    /// <summary>Creates the service <c>kubectl expose</c> creates for a deployment, replica set, replication controller, pod or service.</summary>
    /// <exception cref="ServiceAccessException">The object cannot be exposed (no selector, no ports, unknown kind).</exception>
    /// <exception cref="KubeApiException">The API server refused (not found, already exists, invalid).</exception>
    Task<V1Service> ExposeAsync(ExposeRequest request, CancellationToken cancellationToken = default);

    /// <summary>The facts of <c>kubectl describe service</c>.</summary>
    Task<ServiceDescription> DescribeAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every way to reach the service: DNS name and cluster IP with each port, each node's ExternalIP (else InternalIP)
    /// with each node port, load balancer ingress, external IPs, the API server proxy URL, the port-forward command.
    /// </summary>
    Task<IReadOnlyList<ServiceAccessPoint>> GetAccessPointsAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Watches the service (as <c>kubectl get service NAME --watch</c>) until its load balancer ingress appears.</summary>
    /// <exception cref="ExternalAddressTimeoutException">No ingress within <paramref name="timeout"/>.</exception>
    /// <exception cref="ServiceAccessException">The service is not a LoadBalancer or was deleted.</exception>
    Task<ExternalAddress> WaitForExternalAddressAsync(string @namespace, string name, TimeSpan timeout, IProgress<ServiceWatchEvent>? progress = null, CancellationToken cancellationToken = default);
}

/// <summary>The service operations over an <see cref="IKubeConnection"/>.</summary>
public sealed class ServiceAccess : IServiceAccess
{
    private readonly ConnectionSource _connection;
    private readonly ILogger<ServiceAccess> _logger;

    /// <summary>Creates the operations over <paramref name="connection"/> (not owned).</summary>
    public ServiceAccess(IKubeConnection connection, ILogger<ServiceAccess>? logger = null)
    {
        _connection = new ConnectionSource(connection);
        _logger = logger ?? NullLogger<ServiceAccess>.Instance;
    }

    /// <summary>Creates the operations over the container's default connection.</summary>
    public ServiceAccess(IKubeDefaultConnection connection, ILogger<ServiceAccess>? logger = null)
    {
        _connection = new ConnectionSource(connection);
        _logger = logger ?? NullLogger<ServiceAccess>.Instance;
    }

    /// <inheritdoc />
    public async Task<V1Service> ExposeAsync(ExposeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var client = connection.Client;
        var ns = request.Namespace ?? connection.Namespace;
        var kind = NormalizeKind(request.Kind, ns, request.Name);
        ExposedObject source = kind switch
        {
            "deployment" => ExposedObject.From(await KubeApiErrors.Call(connection, () => client.AppsV1.ReadNamespacedDeploymentAsync(request.Name, ns, cancellationToken: cancellationToken), $"get deployment {ns}/{request.Name}").ConfigureAwait(false)),
            "replicaset" => ExposedObject.From(await KubeApiErrors.Call(connection, () => client.AppsV1.ReadNamespacedReplicaSetAsync(request.Name, ns, cancellationToken: cancellationToken), $"get replicaset {ns}/{request.Name}").ConfigureAwait(false)),
            "replicationcontroller" => ExposedObject.From(await KubeApiErrors.Call(connection, () => client.CoreV1.ReadNamespacedReplicationControllerAsync(request.Name, ns, cancellationToken: cancellationToken), $"get replicationcontroller {ns}/{request.Name}").ConfigureAwait(false)),
            "pod" => ExposedObject.From(await KubeApiErrors.Call(connection, () => client.CoreV1.ReadNamespacedPodAsync(request.Name, ns, cancellationToken: cancellationToken), $"get pod {ns}/{request.Name}").ConfigureAwait(false)),
            _ => ExposedObject.From(await KubeApiErrors.Call(connection, () => client.CoreV1.ReadNamespacedServiceAsync(request.Name, ns, cancellationToken: cancellationToken), $"get service {ns}/{request.Name}").ConfigureAwait(false)),
        };
        var service = BuildService(source, request, ns);
        var created = await KubeApiErrors.Call(
            connection,
            () => client.CoreV1.CreateNamespacedServiceAsync(service, ns, dryRun: request.DryRun ? "All" : null, fieldManager: "kubectl-expose", cancellationToken: cancellationToken),
            $"create service {ns}/{service.Metadata.Name}").ConfigureAwait(false);
        _logger.LogInformation("Exposed {Kind} {Namespace}/{Name} as service {Service}", kind, ns, request.Name, created.Metadata.Name);
        return created;
    }

    /// <summary>What an exposable object contributes: name, labels, selector, ports and their protocols.</summary>
    internal sealed record ExposedObject(string Kind, string Name, IDictionary<string, string>? Labels, IDictionary<string, string>? Selector, string? SelectorError, IReadOnlyList<(int Port, string Protocol)> Ports)
    {
        public static ExposedObject From(V1Deployment d) => FromTemplate("deployment", d.Metadata, d.Spec?.Selector, d.Spec?.Template?.Spec);

        public static ExposedObject From(V1ReplicaSet r) => FromTemplate("replicaset", r.Metadata, r.Spec?.Selector, r.Spec?.Template?.Spec);

        public static ExposedObject From(V1ReplicationController rc) =>
            new("replicationcontroller", rc.Metadata.Name, rc.Metadata.Labels, rc.Spec?.Selector, rc.Spec?.Selector is { Count: > 0 } ? null : "the replication controller has no selector", ContainerPorts(rc.Spec?.Template?.Spec));

        public static ExposedObject From(V1Pod p) =>
            new("pod", p.Metadata.Name, p.Metadata.Labels, p.Metadata.Labels, p.Metadata.Labels is { Count: > 0 } ? null : "the pod has no labels", ContainerPorts(p.Spec));

        public static ExposedObject From(V1Service s) =>
            new("service", s.Metadata.Name, s.Metadata.Labels, s.Spec?.Selector, s.Spec?.Selector is { Count: > 0 } ? null : "the service has no selector",
                (s.Spec?.Ports ?? []).Select(p => (p.Port, p.Protocol ?? "TCP")).ToList());

        private static ExposedObject FromTemplate(string kind, V1ObjectMeta meta, V1LabelSelector? selector, V1PodSpec? pod)
        {
            string? error = null;
            if (selector?.MatchExpressions is { Count: > 0 }) error = "couldn't convert expressions - \"" + string.Join(",", selector.MatchExpressions.Select(e => $"{e.Key} {e.OperatorProperty.ToLowerInvariant()} ({string.Join(",", e.Values ?? [])})")) + "\" to map-based selector format";
            else if (selector?.MatchLabels is not { Count: > 0 }) error = $"the {kind} has no selector";
            return new(kind, meta.Name, meta.Labels, selector?.MatchLabels, error, ContainerPorts(pod));
        }

        private static List<(int, string)> ContainerPorts(V1PodSpec? spec) =>
            (spec?.Containers ?? []).SelectMany(c => c.Ports ?? []).Select(p => (p.ContainerPort, p.Protocol ?? "TCP")).ToList();
    }

    /// <summary>The service kubectl expose builds for <paramref name="source"/> (createService in kubectl's expose.go, re-derived).</summary>
    internal static V1Service BuildService(ExposedObject source, ExposeRequest request, string ns)
    {
        var selector = request.Selector is { Count: > 0 } s ? new Dictionary<string, string>(s) : null;
        if (selector is null)
        {
            if (source.SelectorError is not null || source.Selector is null)
                throw new ServiceAccessException($"couldn't retrieve selectors via --selector flag or introspection: {source.SelectorError}", ns, source.Name);
            selector = new Dictionary<string, string>(source.Selector);
        }

        var name = request.ServiceName;
        if (string.IsNullOrEmpty(name)) name = source.Name.Length > 63 ? source.Name[..63] : source.Name;

        var headless = request.ClusterIP == "None";
        List<int> portNumbers;
        var protocols = new Dictionary<int, List<string>>();
        if (request.Port is { } explicitPort)
        {
            portNumbers = [explicitPort];
        }
        else
        {
            portNumbers = source.Ports.Select(p => p.Port).ToList();
            if (portNumbers.Count == 0 && !headless)
                throw new ServiceAccessException($"couldn't find port via --port flag or introspection: the {source.Kind} {source.Name} declares no ports", ns, source.Name);
        }
        foreach (var (port, protocol) in source.Ports)
        {
            if (!protocols.TryGetValue(port, out var list)) protocols[port] = list = [];
            list.Add(protocol);
        }

        var ports = new List<V1ServicePort>();
        for (var i = 0; i < portNumbers.Count; i++)
        {
            var port = portNumbers[i];
            var portName = portNumbers.Count > 1 ? $"port-{i + 1}" : request.PortName;
            var protocol = request.Protocol;
            if (string.IsNullOrEmpty(protocol))
            {
                protocol = "TCP";
                if (protocols.Count > 0 && protocols.TryGetValue(port, out var found))
                {
                    if (found.Count == 1) protocol = found[0];
                    else
                    {
                        foreach (var p in found)
                            ports.Add(new V1ServicePort { Name = $"port-{i + 1}-{p.ToLowerInvariant()}", Port = port, Protocol = p });
                        continue;
                    }
                }
            }
            ports.Add(new V1ServicePort { Name = string.IsNullOrEmpty(portName) ? null : portName, Port = port, Protocol = protocol });
        }
        foreach (var p in ports)
        {
            if (string.IsNullOrEmpty(request.TargetPort)) p.TargetPort = p.Port;
            else if (int.TryParse(request.TargetPort, NumberStyles.Integer, CultureInfo.InvariantCulture, out var target)) p.TargetPort = target;
            else p.TargetPort = request.TargetPort;
        }

        var labels = request.Labels is { Count: > 0 } l ? new Dictionary<string, string>(l) : source.Labels is { Count: > 0 } ol ? new Dictionary<string, string>(ol) : null;
        var spec = new V1ServiceSpec { Selector = selector, Ports = ports };
        if (!string.IsNullOrEmpty(request.ExternalIP)) spec.ExternalIPs = [request.ExternalIP];
        if (!string.IsNullOrEmpty(request.Type)) spec.Type = request.Type;
        if (spec.Type == "LoadBalancer" && !string.IsNullOrEmpty(request.LoadBalancerIP)) spec.LoadBalancerIP = request.LoadBalancerIP;
        if (!string.IsNullOrEmpty(request.SessionAffinity))
        {
            if (request.SessionAffinity is not ("None" or "ClientIP"))
                throw new ServiceAccessException($"unknown session affinity: {request.SessionAffinity}", ns, source.Name);
            spec.SessionAffinity = request.SessionAffinity;
        }
        if (!string.IsNullOrEmpty(request.ClusterIP)) spec.ClusterIP = request.ClusterIP;
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = spec,
        };
    }

    private static string NormalizeKind(string kind, string ns, string name) => kind.ToLowerInvariant() switch
    {
        "deployment" or "deployments" or "deploy" or "deployment.apps" => "deployment",
        "replicaset" or "replicasets" or "rs" or "replicaset.apps" => "replicaset",
        "replicationcontroller" or "replicationcontrollers" or "rc" => "replicationcontroller",
        "pod" or "pods" or "po" => "pod",
        "service" or "services" or "svc" => "service",
        _ => throw new ServiceAccessException($"cannot expose a {kind}", ns, name),
    };

    /// <inheritdoc />
    public async Task<ServiceDescription> DescribeAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var client = connection.Client;
        var svc = await KubeApiErrors.Call(connection, () => client.CoreV1.ReadNamespacedServiceAsync(name, @namespace, cancellationToken: cancellationToken), $"get service {@namespace}/{name}").ConfigureAwait(false);
        V1Endpoints? endpoints = null;
        try
        {
            endpoints = await KubeApiErrors.Call(connection, () => client.CoreV1.ReadNamespacedEndpointsAsync(name, @namespace, cancellationToken: cancellationToken), $"get endpoints {@namespace}/{name}").ConfigureAwait(false);
        }
        catch (KubeApiException ex) when (ex.StatusCode == 404)
        {
        }
        return Describe(svc, endpoints);
    }

    internal static ServiceDescription Describe(V1Service svc, V1Endpoints? endpoints)
    {
        var spec = svc.Spec ?? new V1ServiceSpec();
        var ports = new List<ServicePortDescription>();
        foreach (var p in spec.Ports ?? [])
        {
            var protocol = p.Protocol ?? "TCP";
            var eps = new List<string>();
            foreach (var subset in endpoints?.Subsets ?? [])
            {
                var match = (subset.Ports ?? []).FirstOrDefault(ep => (ep.Name ?? "") == (p.Name ?? "") && (ep.Protocol ?? "TCP") == protocol)
                    ?? ((subset.Ports?.Count ?? 0) == 1 && (spec.Ports?.Count ?? 0) == 1 ? subset.Ports![0] : null);
                if (match is null) continue;
                foreach (var a in subset.Addresses ?? []) eps.Add($"{a.Ip}:{match.Port}");
            }
            ports.Add(new ServicePortDescription(string.IsNullOrEmpty(p.Name) ? null : p.Name, p.Port, protocol, p.TargetPort?.Value ?? p.Port.ToString(CultureInfo.InvariantCulture), p.NodePort, eps));
        }
        var type = spec.Type ?? "ClusterIP";
        var clusterIps = spec.ClusterIPs is { Count: > 0 } ips ? ips.ToList() : string.IsNullOrEmpty(spec.ClusterIP) ? [] : [spec.ClusterIP];
        return new ServiceDescription(
            svc.Metadata.Name,
            svc.Metadata.NamespaceProperty ?? "default",
            new Dictionary<string, string>(svc.Metadata.Labels ?? new Dictionary<string, string>()),
            new Dictionary<string, string>(svc.Metadata.Annotations ?? new Dictionary<string, string>()),
            new Dictionary<string, string>(spec.Selector ?? new Dictionary<string, string>()),
            type,
            spec.IpFamilyPolicy,
            clusterIps,
            spec.ExternalIPs?.ToList() ?? [],
            Ingress(svc),
            spec.ExternalName,
            ports,
            spec.SessionAffinity ?? "None",
            type is "NodePort" or "LoadBalancer" ? spec.ExternalTrafficPolicy ?? "Cluster" : null);
    }

    internal static List<string> Ingress(V1Service svc) =>
        (svc.Status?.LoadBalancer?.Ingress ?? []).Select(i => !string.IsNullOrEmpty(i.Ip) ? i.Ip : i.Hostname).Where(a => !string.IsNullOrEmpty(a)).ToList()!;

    /// <inheritdoc />
    public async Task<IReadOnlyList<ServiceAccessPoint>> GetAccessPointsAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var client = connection.Client;
        var svc = await KubeApiErrors.Call(connection, () => client.CoreV1.ReadNamespacedServiceAsync(name, @namespace, cancellationToken: cancellationToken), $"get service {@namespace}/{name}").ConfigureAwait(false);
        IList<V1Node> nodes = [];
        if (svc.Spec?.Ports?.Any(p => p.NodePort is not null) == true)
        {
            try
            {
                nodes = (await KubeApiErrors.Call(connection, () => client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken), "list nodes").ConfigureAwait(false)).Items;
            }
            catch (KubeApiException ex) when (ex.StatusCode is 403)
            {
                _logger.LogWarning("Cannot list nodes to name NodePort addresses: {Message}", ex.Message);
            }
        }
        var domain = await ClusterDomain.DetectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return AccessPoints(svc, nodes, connection.Server, domain);
    }

    internal static IReadOnlyList<ServiceAccessPoint> AccessPoints(V1Service svc, IEnumerable<V1Node> nodes, Uri server, string clusterDomain)
    {
        var name = svc.Metadata.Name;
        var ns = svc.Metadata.NamespaceProperty ?? "default";
        var spec = svc.Spec ?? new V1ServiceSpec();
        var dns = KubeDnsNames.Service(name, ns, clusterDomain);
        var points = new List<ServiceAccessPoint>();
        var ports = spec.Ports ?? [];
        foreach (var p in ports)
        {
            var protocol = p.Protocol ?? "TCP";
            var label = string.IsNullOrEmpty(p.Name) ? $"port {p.Port}" : $"port {p.Name}";
            points.Add(new ServiceAccessPoint(AccessPointKind.ClusterDns, $"in-cluster DNS name, {label}", dns, p.Port, protocol, HttpUrl(dns, p.Port)));
            if (!string.IsNullOrEmpty(spec.ClusterIP) && spec.ClusterIP != "None")
                foreach (var ip in spec.ClusterIPs is { Count: > 0 } ips ? ips : [spec.ClusterIP])
                    points.Add(new ServiceAccessPoint(AccessPointKind.ClusterIP, $"cluster IP, {label}", ip, p.Port, protocol, HttpUrl(ip, p.Port)));
        }
        foreach (var p in ports.Where(p => p.NodePort is not null))
        {
            foreach (var node in nodes)
            {
                var addresses = node.Status?.Addresses ?? [];
                var address = addresses.FirstOrDefault(a => a.Type == "ExternalIP") ?? addresses.FirstOrDefault(a => a.Type == "InternalIP");
                if (address is null) continue;
                points.Add(new ServiceAccessPoint(AccessPointKind.NodePort, $"node {node.Metadata.Name} {address.Type}, port {p.Port}", address.Address, p.NodePort, p.Protocol ?? "TCP", HttpUrl(address.Address, p.NodePort!.Value)));
            }
        }
        foreach (var ingress in Ingress(svc))
            foreach (var p in ports)
                points.Add(new ServiceAccessPoint(AccessPointKind.LoadBalancer, "load balancer ingress", ingress, p.Port, p.Protocol ?? "TCP", HttpUrl(ingress, p.Port)));
        foreach (var ip in spec.ExternalIPs ?? [])
            foreach (var p in ports)
                points.Add(new ServiceAccessPoint(AccessPointKind.ExternalIP, "external IP", ip, p.Port, p.Protocol ?? "TCP", HttpUrl(ip, p.Port)));
        var baseUrl = server.ToString().TrimEnd('/');
        foreach (var p in ports.Where(p => (p.Protocol ?? "TCP") == "TCP"))
        {
            var portRef = string.IsNullOrEmpty(p.Name) ? p.Port.ToString(CultureInfo.InvariantCulture) : p.Name;
            var scheme = p.Port == 443 || p.Name is "https" ? "https:" : "";
            points.Add(new ServiceAccessPoint(AccessPointKind.ApiServerProxy, $"API server proxy, port {portRef}", server.Host, server.Port, "TCP",
                $"{baseUrl}/api/v1/namespaces/{ns}/services/{scheme}{name}:{portRef}/proxy/"));
        }
        if (spec.Type != "ExternalName" && !string.IsNullOrEmpty(spec.Selector?.FirstOrDefault().Key))
            foreach (var p in ports.Where(p => (p.Protocol ?? "TCP") == "TCP"))
                points.Add(new ServiceAccessPoint(AccessPointKind.PortForward, $"port-forward, port {p.Port}", "127.0.0.1", p.Port, "TCP",
                    $"kubectl port-forward -n {ns} service/{name} {p.Port}:{p.Port}"));
        return points;
    }

    private static string? HttpUrl(string host, int port)
    {
        var h = IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
        return port switch { 80 => $"http://{h}/", 443 => $"https://{h}/", _ => $"http://{h}:{port}/" };
    }

    /// <inheritdoc />
    public async Task<ExternalAddress> WaitForExternalAddressAsync(string @namespace, string name, TimeSpan timeout, IProgress<ServiceWatchEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var first = true;
            while (true)
            {
                var svc = await KubeApiErrors.Call(connection, () => connection.Client.CoreV1.ReadNamespacedServiceAsync(name, @namespace, cancellationToken: deadline.Token), $"get service {@namespace}/{name}").ConfigureAwait(false);
                if (svc.Spec?.Type != "LoadBalancer")
                    throw new ServiceAccessException($"service {@namespace}/{name} is of type {svc.Spec?.Type ?? "ClusterIP"}, not LoadBalancer: it will never get an external address", @namespace, name);
                var addresses = Ingress(svc);
                if (first) progress?.Report(new ServiceWatchEvent("INITIAL", svc, addresses.FirstOrDefault()));
                first = false;
                if (addresses.Count > 0) return new ExternalAddress(svc, addresses);

                var path = $"/api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/services?fieldSelector={Uri.EscapeDataString("metadata.name=" + name)}&watch=1&resourceVersion={Uri.EscapeDataString(svc.Metadata.ResourceVersion ?? "")}&allowWatchBookmarks=false";
                using var request = new HttpRequestMessage(HttpMethod.Get, KubeHttp.Url(connection, path));
                using var response = await KubeHttp.SendAsync(connection, request, HttpCompletionOption.ResponseHeadersRead, $"watch service {@namespace}/{name}", deadline.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    var body = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
                    throw KubeApiErrors.From(response.StatusCode, body, $"watch service {@namespace}/{name}");
                }
                await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync(deadline.Token).ConfigureAwait(false) is { } line)
                {
                    if (line.Length == 0) continue;
                    var (type, seen) = ParseEvent(line);
                    if (type == "ERROR") break; // e.g. 410 Gone: re-read and watch again
                    if (seen is null) continue;
                    var found = Ingress(seen);
                    progress?.Report(new ServiceWatchEvent(type, seen, found.FirstOrDefault()));
                    if (type == "DELETED") throw new ServiceAccessException($"service {@namespace}/{name} was deleted while waiting for its external address", @namespace, name);
                    if (found.Count > 0) return new ExternalAddress(seen, found);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ExternalAddressTimeoutException(@namespace, name, timeout);
        }
        catch (KubeApiException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ExternalAddressTimeoutException(@namespace, name, timeout);
        }
    }

    private static (string Type, V1Service? Service) ParseEvent(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var type = doc.RootElement.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
            if (!doc.RootElement.TryGetProperty("object", out var obj) || type == "ERROR") return (type, null);
            return (type, KubernetesJson.Deserialize<V1Service>(obj.GetRawText()));
        }
        catch (JsonException)
        {
            return ("", null);
        }
    }
}
