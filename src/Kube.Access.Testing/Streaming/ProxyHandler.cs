using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace Kube.Access.Testing.Streaming;

/// <summary>
/// The <c>proxy</c> subresources of pods, services and nodes: the target named
/// <c>[scheme:]name[:port]</c> is resolved to a loopback binding and the request is forwarded
/// there, request and response bodies streamed.
/// </summary>
internal sealed class ProxyHandler : IDisposable
{
    /// <summary>The kubelet port a node proxy reaches when none is named.</summary>
    public const int KubeletPort = 10250;

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", "Authorization", "Content-Length",
    };

    private readonly IStreamingCluster _cluster;
    private readonly PodPortBindings _bindings;
    private readonly HttpMessageInvoker _client;

    public ProxyHandler(IStreamingCluster cluster, PodPortBindings bindings)
    {
        _cluster = cluster;
        _bindings = bindings;
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            // The apiserver does not verify a pod's or service's serving certificate either.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        });
    }

    /// <summary>A parsed <c>[scheme:]name[:port]</c>.</summary>
    internal readonly record struct ProxyTarget(string Scheme, string Name, string Port);

    /// <summary>Parses <c>name</c>, <c>name:port</c>, <c>scheme:name:port</c> and <c>scheme:name:</c>.</summary>
    internal static ProxyTarget ParseTarget(string text)
    {
        var parts = text.Split(':');
        return parts.Length switch
        {
            1 => new ProxyTarget(string.Empty, parts[0], string.Empty),
            2 => new ProxyTarget(string.Empty, parts[0], parts[1]),
            _ => new ProxyTarget(parts[0], parts[1], parts[2]),
        };
    }

    /// <summary><c>pods/{[scheme:]name[:port]}/proxy/{path}</c>.</summary>
    public async Task PodAsync(HttpContext context, string @namespace, string target, string? path)
    {
        var t = ParseTarget(target);
        var pod = _cluster.GetPod(@namespace, t.Name);
        if (pod is null)
        {
            await StatusResponses.NotFoundAsync(context, "pods", t.Name).ConfigureAwait(false);
            return;
        }

        var port = t.Port;
        if (port.Length == 0)
        {
            var first = pod.Spec?.Containers?.FirstOrDefault()?.Ports?.FirstOrDefault();
            port = first?.ContainerPort.ToString(CultureInfo.InvariantCulture) ?? "80";
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            await StatusResponses.BadRequestAsync(context, $"invalid port \"{port}\" for pod {t.Name}").ConfigureAwait(false);
            return;
        }

        var podIp = pod.Status?.PodIP;
        if (string.IsNullOrEmpty(podIp))
        {
            await StatusResponses.BadRequestAsync(context, $"address not allowed").ConfigureAwait(false);
            return;
        }

        await ForwardAsync(context, t.Scheme, _bindings.Resolve(@namespace, t.Name, number), podIp, number, path).ConfigureAwait(false);
    }

    /// <summary><c>services/{[scheme:]name[:port]}/proxy/{path}</c> (port by number or name, reached through targetPort).</summary>
    public async Task ServiceAsync(HttpContext context, string @namespace, string target, string? path)
    {
        var t = ParseTarget(target);
        var service = _cluster.GetService(@namespace, t.Name);
        if (service is null)
        {
            await StatusResponses.NotFoundAsync(context, "services", t.Name).ConfigureAwait(false);
            return;
        }

        var ports = service.Spec?.Ports ?? [];
        V1ServicePort? servicePort;
        if (int.TryParse(t.Port, NumberStyles.None, CultureInfo.InvariantCulture, out var asNumber))
        {
            servicePort = ports.FirstOrDefault(p => p.Port == asNumber);
            if (servicePort is null)
            {
                await StatusResponses.ServiceUnavailableAsync(context, $"no service port {asNumber} found for service \"{t.Name}\"").ConfigureAwait(false);
                return;
            }
        }
        else
        {
            servicePort = ports.FirstOrDefault(p => string.Equals(p.Name ?? string.Empty, t.Port, StringComparison.Ordinal));
            if (servicePort is null && t.Port.Length == 0 && ports.Count == 1)
            {
                servicePort = ports[0];
            }
        }

        var selector = service.Spec?.Selector;
        if (servicePort is null || selector is null || selector.Count == 0)
        {
            await StatusResponses.ServiceUnavailableAsync(context, $"no endpoints available for service \"{t.Name}\"").ConfigureAwait(false);
            return;
        }

        var candidates = new List<(V1Pod Pod, int Port)>();
        foreach (var pod in _cluster.ListPods(@namespace, selector))
        {
            if (pod.Status?.Phase != "Running" || pod.Metadata?.DeletionTimestamp is not null || !Matches(pod, selector))
            {
                continue;
            }

            if (TargetPort(pod, servicePort) is { } podPort)
            {
                candidates.Add((pod, podPort));
            }
        }

        if (candidates.Count == 0)
        {
            await StatusResponses.ServiceUnavailableAsync(context, $"no endpoints available for service \"{t.Name}\"").ConfigureAwait(false);
            return;
        }

        // Prefer a ready endpoint that has a backend bound; otherwise reach one and fail as the apiserver would.
        var bound = candidates
            .Select(c => (c.Pod, c.Port, EndPoint: _bindings.Resolve(@namespace, c.Pod.Metadata!.Name, c.Port)))
            .Where(c => c.EndPoint is not null)
            .ToList();
        var choice = bound.Count > 0
            ? bound[Random.Shared.Next(bound.Count)]
            : (candidates[0].Pod, candidates[0].Port, EndPoint: (EndPoint?)null);
        await ForwardAsync(context, t.Scheme, choice.EndPoint, choice.Pod.Status?.PodIP ?? "198.51.100.1", choice.Port, path).ConfigureAwait(false);
    }

    /// <summary><c>nodes/{[scheme:]name[:port]}/proxy/{path}</c>: node ports are bound with an empty namespace.</summary>
    public async Task NodeAsync(HttpContext context, string target, string? path)
    {
        var t = ParseTarget(target);
        var node = _cluster.GetNode(t.Name);
        if (node is null)
        {
            await StatusResponses.NotFoundAsync(context, "nodes", t.Name).ConfigureAwait(false);
            return;
        }

        var port = KubeletPort;
        if (t.Port.Length > 0 && (!int.TryParse(t.Port, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            await StatusResponses.BadRequestAsync(context, $"invalid port \"{t.Port}\" for node {t.Name}").ConfigureAwait(false);
            return;
        }

        var address = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address ?? "192.0.2.1";
        var scheme = t.Scheme.Length > 0 ? t.Scheme : (port == KubeletPort ? "https" : "http");
        await ForwardAsync(context, scheme, _bindings.Resolve(string.Empty, t.Name, port), address, port, path, kubelet: port == KubeletPort).ConfigureAwait(false);
    }

    private static bool Matches(V1Pod pod, IDictionary<string, string> selector)
    {
        var labels = pod.Metadata?.Labels;
        if (labels is null)
        {
            return false;
        }

        foreach (var (key, value) in selector)
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The pod port a service port's targetPort names (number, container port name, or the port itself).</summary>
    internal static int? TargetPort(V1Pod pod, V1ServicePort servicePort)
    {
        var target = servicePort.TargetPort?.Value;
        if (string.IsNullOrEmpty(target))
        {
            return servicePort.Port;
        }

        if (int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        foreach (var container in pod.Spec?.Containers ?? [])
        {
            foreach (var port in container.Ports ?? [])
            {
                if (port.Name == target && (port.Protocol ?? "TCP") == (servicePort.Protocol ?? "TCP"))
                {
                    return port.ContainerPort;
                }
            }
        }

        return null;
    }

    private async Task ForwardAsync(HttpContext context, string scheme, EndPoint? endPoint, string address, int port, string? path, bool kubelet = false)
    {
        if (endPoint is null && kubelet)
        {
            await KubeletStubAsync(context, path).ConfigureAwait(false);
            return;
        }

        var hostPort = address.Contains(':', StringComparison.Ordinal) ? $"[{address}]:{port}" : $"{address}:{port}";
        if (endPoint is null)
        {
            await StatusResponses.ServiceUnavailableAsync(context, $"error trying to reach service: dial tcp {hostPort}: connect: connection refused").ConfigureAwait(false);
            return;
        }

        var (host, backendPort) = endPoint switch
        {
            IPEndPoint ip => (ip.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip.Address}]" : ip.Address.ToString(), ip.Port),
            DnsEndPoint dns => (dns.Host, dns.Port),
            _ => ("127.0.0.1", port),
        };
        var useScheme = string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
        var uri = new Uri($"{useScheme}://{host}:{backendPort}/{(path ?? string.Empty).TrimStart('/')}{context.Request.QueryString}");
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), uri);
        var hasBody = context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0;
        if (hasBody)
        {
            request.Content = new StreamContent(context.Request.Body, 32 * 1024);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values) && request.Content is not null)
            {
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        request.Headers.Host = hostPort;
        if (request.Content is not null && context.Request.ContentLength is { } length)
        {
            request.Content.Headers.ContentLength = length;
        }

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, context.RequestAborted).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            await StatusResponses.ServiceUnavailableAsync(context, $"error trying to reach service: dial tcp {hostPort}: {ex.Message}").ConfigureAwait(false);
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (HopByHop.Contains(name) && !string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                context.Response.Headers[name] = values.ToArray();
            }

            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
            await body.CopyToAsync(context.Response.Body, 32 * 1024, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task KubeletStubAsync(HttpContext context, string? path)
    {
        var p = "/" + (path ?? string.Empty).TrimStart('/');
        var (status, text) = p is "/healthz" or "/healthz/" ? (200, "ok") : (404, "404 page not found\n");
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
