namespace Kube.Access.PortForward;

/// <summary>
/// A port-forward failed: the pod, the pod's port and, when the API server sent one, its error text
/// (from the port-forward error channel or the rejected upgrade).
/// </summary>
public class PortForwardException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public PortForwardException(string message, string? @namespace = null, string? pod = null, int? port = null, string? serverText = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Namespace = @namespace;
        Pod = pod;
        Port = port;
        ServerText = serverText;
    }

    /// <summary>The pod's namespace, when known.</summary>
    public string? Namespace { get; }

    /// <summary>The pod the forward was for, when known.</summary>
    public string? Pod { get; }

    /// <summary>The pod port (or, for listener errors, the local port) concerned, when known.</summary>
    public int? Port { get; }

    /// <summary>The API server's error text, exactly as sent, when there was one.</summary>
    public string? ServerText { get; }
}

/// <summary>A target (<c>TYPE/NAME</c>), port spec (<c>[LOCAL:]REMOTE</c>) or listen address is malformed or unsupported.</summary>
public class PortForwardSpecException : PortForwardException
{
    /// <summary>Creates the exception.</summary>
    public PortForwardSpecException(string message, string spec, Exception? innerException = null)
        : base(message, innerException: innerException)
    {
        Spec = spec;
    }

    /// <summary>The text that was rejected.</summary>
    public string Spec { get; }
}

/// <summary>
/// The session lost its API server: opening tunnels kept failing with transport errors (refused, reset, TLS), so
/// the session stopped listening (kubectl: <c>lost connection to pod</c>). The inner exception is the last transport error.
/// </summary>
public class PortForwardApiServerLostException : PortForwardException
{
    /// <summary>Creates the exception.</summary>
    public PortForwardApiServerLostException(string message, string @namespace, string pod, int port, int attempts, Exception innerException)
        : base(message, @namespace, pod, port, null, innerException)
    {
        Attempts = attempts;
    }

    /// <summary>How many attempts in a row failed before the session gave up.</summary>
    public int Attempts { get; }
}
