using System.Globalization;
using System.Text;
using k8s;
using k8s.Models;

namespace Kube.Access.Proxy;

/// <summary>What <c>kubectl cluster-info</c> shows: the control plane and the cluster services.</summary>
public interface IClusterInfo
{
    /// <summary>
    /// Lists the control plane and the services labelled <c>kubernetes.io/cluster-service=true</c> in
    /// <paramref name="namespace"/> (default <c>kube-system</c>), with the URL kubectl prints for each.
    /// </summary>
    /// <param name="connection">The API server connection.</param>
    /// <param name="namespace">The namespace to look in; <c>null</c> for <c>kube-system</c> (kubectl's <c>-n</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="KubeApiException">The API server refused the list.</exception>
    /// <exception cref="KubeConnectionException">The API server could not be reached.</exception>
    Task<ClusterInfoResult> GetAsync(IKubeConnection connection, string? @namespace = null, CancellationToken cancellationToken = default);
}

/// <summary>The control plane's address and the cluster services, as <c>kubectl cluster-info</c> shows them.</summary>
/// <param name="ControlPlaneUrl">The API server address exactly as configured (kubectl prints the rest config's host).</param>
/// <param name="Services">The cluster services in list order.</param>
public sealed record ClusterInfoResult(string ControlPlaneUrl, IReadOnlyList<ClusterServiceInfo> Services)
{
    /// <summary>The line kubectl ends with.</summary>
    public const string DumpHint = "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.";

    /// <summary>
    /// The lines kubectl prints, without colours: <c>Kubernetes control plane is running at URL</c>, one
    /// <c>NAME is running at LINK</c> per service, an empty line and <see cref="DumpHint"/>.
    /// </summary>
    public IReadOnlyList<string> ToLines()
    {
        var lines = new List<string>(Services.Count + 3) { $"Kubernetes control plane is running at {ControlPlaneUrl}" };
        lines.AddRange(Services.Select(s => $"{s.DisplayName} is running at {s.Link}"));
        lines.Add(string.Empty);
        lines.Add(DumpHint);
        return lines;
    }

    /// <summary>The same text as <c>kubectl cluster-info</c>; with <paramref name="colors"/> the name is green and the link yellow, like kubectl.</summary>
    /// <param name="colors">Whether to add ANSI colour codes.</param>
    public string ToKubectlText(bool colors = false)
    {
        var text = new StringBuilder();
        void Line(string name, string link)
        {
            if (colors)
            {
                text.Append("\u001b[0;32m").Append(name).Append("\u001b[0m is running at \u001b[0;33m").Append(link).Append("\u001b[0m\n");
            }
            else
            {
                text.Append(name).Append(" is running at ").Append(link).Append('\n');
            }
        }

        Line("Kubernetes control plane", ControlPlaneUrl);
        foreach (var service in Services)
        {
            Line(service.DisplayName, service.Link);
        }

        return text.Append('\n').Append(DumpHint).Append('\n').ToString();
    }
}

/// <summary>One cluster service as kubectl shows it.</summary>
/// <param name="DisplayName">The <c>kubernetes.io/name</c> label, else the service name.</param>
/// <param name="Namespace">The service's namespace.</param>
/// <param name="ServiceName">The service's name.</param>
/// <param name="Link">
/// What kubectl prints: the apiserver proxy URL (<c>{server}/api/v1/namespaces/{ns}/services/[https:]{name}[:{port name}]/proxy</c>,
/// https when the first port is named <c>https</c> or is 443), or for a service with a load-balancer ingress
/// <c>http://{ip or hostname}:{port} </c> for every port (with kubectl's trailing spaces).
/// </param>
/// <param name="Urls">The URLs in <paramref name="Link"/>, one per entry, without the spaces.</param>
/// <param name="ProxyUrl">The parsed proxy URL when <paramref name="Link"/> is one, else <c>null</c>.</param>
public sealed record ClusterServiceInfo(string DisplayName, string Namespace, string ServiceName, string Link, IReadOnlyList<string> Urls, ProxyUrl? ProxyUrl);

/// <summary>The <see cref="IClusterInfo"/>: lists the services through the connection's client and applies kubectl's rules.</summary>
public sealed class ClusterInfo : IClusterInfo
{
    /// <summary>The label kubectl selects cluster services by.</summary>
    public const string ClusterServiceLabelSelector = "kubernetes.io/cluster-service=true";

    /// <summary>The namespace kubectl looks in by default.</summary>
    public const string DefaultNamespace = "kube-system";

    /// <inheritdoc />
    public async Task<ClusterInfoResult> GetAsync(IKubeConnection connection, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var ns = string.IsNullOrEmpty(@namespace) ? DefaultNamespace : @namespace;
        var list = await KubeApiErrors.Call(
            connection,
            () => connection.Client.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: ClusterServiceLabelSelector, cancellationToken: cancellationToken),
            $"list services labelled {ClusterServiceLabelSelector} in namespace {ns}").ConfigureAwait(false);

        return Describe(HostOf(connection.Endpoint.Server), list.Items ?? []);
    }

    /// <summary>
    /// Applies kubectl's rules to services already listed: the link is the load balancer's first ingress
    /// (IP, else hostname) with every port as <c>http://ip:port </c>, else the apiserver proxy URL with the first
    /// port's name and an https scheme when that port is named <c>https</c> or is 443.
    /// </summary>
    /// <param name="controlPlaneUrl">The API server address as configured (no trailing slash added or removed).</param>
    /// <param name="services">The services, in list order.</param>
    public static ClusterInfoResult Describe(string controlPlaneUrl, IEnumerable<V1Service> services)
    {
        ArgumentNullException.ThrowIfNull(controlPlaneUrl);
        ArgumentNullException.ThrowIfNull(services);
        var result = new List<ClusterServiceInfo>();
        foreach (var service in services)
        {
            var name = service.Metadata?.Name ?? string.Empty;
            var ns = service.Metadata?.NamespaceProperty ?? string.Empty;
            var ports = service.Spec?.Ports ?? [];
            var ingress = service.Status?.LoadBalancer?.Ingress;
            var urls = new List<string>();
            string link;
            ProxyUrl? proxyUrl = null;
            if (ingress is { Count: > 0 })
            {
                var host = string.IsNullOrEmpty(ingress[0].Ip) ? ingress[0].Hostname ?? string.Empty : ingress[0].Ip;
                var builder = new StringBuilder();
                foreach (var port in ports)
                {
                    var url = "http://" + host + ":" + port.Port.ToString(CultureInfo.InvariantCulture);
                    urls.Add(url);
                    builder.Append(url).Append(' ');
                }

                link = builder.ToString();
            }
            else
            {
                var id = name;
                if (ports.Count > 0)
                {
                    var first = ports[0];
                    var scheme = first.Name == "https" || first.Port == 443 ? "https" : null;
                    id = ProxyUrlBuilder.JoinSchemeNamePort(scheme, name, first.Name);
                }

                link = controlPlaneUrl + "/api/v1/namespaces/" + ns + "/services/" + id + "/proxy";
                urls.Add(link);
                ProxyUrlBuilder.Instance.TryParse(link, out proxyUrl);
            }

            var display = service.Metadata?.Labels is { } labels && labels.TryGetValue("kubernetes.io/name", out var label) && !string.IsNullOrEmpty(label)
                ? label
                : name;
            result.Add(new ClusterServiceInfo(display, ns, name, link, urls, proxyUrl));
        }

        return new ClusterInfoResult(controlPlaneUrl, result);
    }

    /// <summary>The server address as kubectl prints it: the text as configured (kubeconfig <c>server</c> or <c>--server</c>).</summary>
    /// <param name="server">The server URL.</param>
    public static string HostOf(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var text = server.OriginalString;
        if (text.Length == 0)
        {
            text = server.ToString();
        }

        return text;
    }
}
