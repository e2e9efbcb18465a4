using System.Net.WebSockets;
using k8s;

namespace Kube.Access;

/// <summary>
/// A live connection to one API server: the HTTP pipeline (TLS, credentials, refresh on 401),
/// a KubernetesClient <see cref="IKubernetes"/> sharing that pipeline, and WebSockets for the
/// streaming subresources (port-forward, exec, attach) that apply the same TLS settings and the
/// credentials current at each connect. Everything above the connection layer talks through it.
/// </summary>
public interface IKubeConnection : IAsyncDisposable
{
    /// <summary>The endpoint this connection reaches.</summary>
    KubeEndpoint Endpoint { get; }

    /// <summary>The API server's base URL.</summary>
    Uri Server { get; }

    /// <summary>The default namespace (context namespace, the pod's namespace, else <c>default</c>).</summary>
    string Namespace { get; }

    /// <summary>The message handler (TLS + auth + retry) for raw REST calls. Owned by the connection.</summary>
    HttpMessageHandler Handler { get; }

    /// <summary>An <see cref="HttpClient"/> over <see cref="Handler"/> with <see cref="Server"/> as base address.</summary>
    HttpClient Http { get; }

    /// <summary>A KubernetesClient client sharing <see cref="Handler"/>.</summary>
    IKubernetes Client { get; }

    /// <summary>
    /// Opens a WebSocket to <paramref name="pathAndQuery"/> (for example
    /// <c>/api/v1/namespaces/default/pods/mongo-0/portforward?ports=27017</c>) offering
    /// <paramref name="subProtocols"/> in order, with the endpoint's TLS settings and current credentials.
    /// A rejected upgrade raises a <see cref="KubeApiException"/> carrying the HTTP status and the server's text.
    /// </summary>
    ValueTask<WebSocket> ConnectWebSocketAsync(string pathAndQuery, IReadOnlyList<string> subProtocols, CancellationToken cancellationToken);
}

/// <summary>Creates <see cref="IKubeConnection"/>s from endpoints or from the default resolution rules.</summary>
public interface IKubeConnectionFactory
{
    /// <summary>A connection to <paramref name="endpoint"/>.</summary>
    IKubeConnection Create(KubeEndpoint endpoint);

    /// <summary>
    /// The default connection, resolved like client-go: an explicit kubeconfig or options first; else
    /// in-cluster when running in a pod; else <c>KUBECONFIG</c> / <c>~/.kube/config</c>.
    /// </summary>
    ValueTask<IKubeConnection> CreateDefaultAsync(CancellationToken cancellationToken);
}
