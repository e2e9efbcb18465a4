namespace Kube.Access.Exec;

/// <summary>What went wrong in an exec or attach.</summary>
public enum ExecErrorKind
{
    /// <summary>The request itself is unusable (no pod name, no command, stdin not requested, ...).</summary>
    InvalidRequest,

    /// <summary>The pod does not exist (<c>pods "x" not found</c>).</summary>
    PodNotFound,

    /// <summary>The pod cannot run commands (not scheduled, not running, completed).</summary>
    PodNotRunning,

    /// <summary>The container name is not one of the pod's (<c>container x is not valid for pod y</c>).</summary>
    ContainerNotFound,

    /// <summary>The container is not running (waiting or terminated).</summary>
    ContainerNotRunning,

    /// <summary>The runtime could not start the command (executable not found); exit codes 126/127 from a shell are results, not this.</summary>
    CommandNotFound,

    /// <summary>The API server refused the WebSocket upgrade for another reason (forbidden, unsupported protocol, ...).</summary>
    UpgradeRejected,

    /// <summary>The status channel reported a failure that is not an exit code (for example <c>InternalError</c>).</summary>
    Failed,

    /// <summary>The connection ended before the exit status arrived.</summary>
    ConnectionLost,

    /// <summary>The negotiated protocol (<c>v4.channel.k8s.io</c>) cannot signal the end of stdin.</summary>
    StdinCloseUnsupported,
}

/// <summary>An exec or attach failed; carries the pod, container and the API server's own text.</summary>
public class ExecException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public ExecException(ExecErrorKind kind, string message, string? @namespace, string? pod, string? container, string? apiServerMessage = null, int? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Namespace = @namespace;
        Pod = pod;
        Container = container;
        ApiServerMessage = apiServerMessage;
        StatusCode = statusCode;
    }

    /// <summary>What went wrong.</summary>
    public ExecErrorKind Kind { get; }

    /// <summary>The pod's namespace.</summary>
    public string? Namespace { get; }

    /// <summary>The pod.</summary>
    public string? Pod { get; }

    /// <summary>The container, when one was chosen.</summary>
    public string? Container { get; }

    /// <summary>The API server's (or kubelet's) text, as sent (<c>pods "x" not found</c>, ...).</summary>
    public string? ApiServerMessage { get; }

    /// <summary>The HTTP status of a refused request, when there was one.</summary>
    public int? StatusCode { get; }
}
