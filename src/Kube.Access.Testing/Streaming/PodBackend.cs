namespace Kube.Access.Testing;

/// <summary>
/// A built-in backend the emulator can bind to a pod port: each is a real TCP listener on
/// 127.0.0.1 owned by the emulator, reached by port-forward, the proxy subresources and
/// <c>curl localhost</c> in exec.
/// </summary>
public enum PodBackend
{
    /// <summary>Writes every byte it receives back to the sender; closes its send side at the client's end of stream.</summary>
    Echo,

    /// <summary>Reads and discards everything it receives (like <c>/dev/null</c> behind a port).</summary>
    Sink,

    /// <summary>An HTTP/1.1 server answering every request with <c>200 Hello Kubernetes!</c>.</summary>
    HelloHttp,
}
