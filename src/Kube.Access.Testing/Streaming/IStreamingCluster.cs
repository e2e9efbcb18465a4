using k8s.Models;

namespace Kube.Access.Testing.Streaming;

/// <summary>
/// The narrow view of the emulator's object store the streaming subresources need
/// (port-forward, proxy, exec). The core emulator adapts its store to it.
/// </summary>
internal interface IStreamingCluster
{
    /// <summary>The pod, or null when it does not exist.</summary>
    V1Pod? GetPod(string @namespace, string name);

    /// <summary>The service, or null when it does not exist.</summary>
    V1Service? GetService(string @namespace, string name);

    /// <summary>The node, or null when it does not exist.</summary>
    V1Node? GetNode(string name);

    /// <summary>The pods of a namespace whose labels match every pair of <paramref name="selector"/>.</summary>
    IReadOnlyList<V1Pod> ListPods(string @namespace, IDictionary<string, string> selector);
}
