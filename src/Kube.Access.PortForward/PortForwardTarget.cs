namespace Kube.Access.PortForward;

/// <summary>The kinds of object a port-forward can target (as <c>kubectl port-forward TYPE/NAME</c>).</summary>
public enum PortForwardTargetKind
{
    /// <summary>A pod, by name (<c>pod/NAME</c>, <c>pods/NAME</c>, <c>po/NAME</c> or a bare name).</summary>
    Pod,

    /// <summary>A deployment's pod (<c>deployment/NAME</c>, <c>deploy/NAME</c>).</summary>
    Deployment,

    /// <summary>A replica set's pod (<c>replicaset/NAME</c>, <c>rs/NAME</c>).</summary>
    ReplicaSet,

    /// <summary>A service's pod, with service ports mapped to target ports (<c>service/NAME</c>, <c>svc/NAME</c>).</summary>
    Service,
}

/// <summary>What to forward to: a kind and a name, in a namespace (null: the connection's default).</summary>
/// <param name="Kind">The kind of object.</param>
/// <param name="Name">The object's name.</param>
/// <param name="Namespace">The namespace, or null for the connection's default namespace.</param>
public sealed record PortForwardTarget(PortForwardTargetKind Kind, string Name, string? Namespace = null)
{
    /// <summary>A pod target.</summary>
    public static PortForwardTarget Pod(string name, string? @namespace = null) => new(PortForwardTargetKind.Pod, name, @namespace);

    /// <summary>A deployment target.</summary>
    public static PortForwardTarget Deployment(string name, string? @namespace = null) => new(PortForwardTargetKind.Deployment, name, @namespace);

    /// <summary>A replica set target.</summary>
    public static PortForwardTarget ReplicaSet(string name, string? @namespace = null) => new(PortForwardTargetKind.ReplicaSet, name, @namespace);

    /// <summary>A service target.</summary>
    public static PortForwardTarget Service(string name, string? @namespace = null) => new(PortForwardTargetKind.Service, name, @namespace);

    /// <summary>
    /// Parses kubectl's <c>TYPE/NAME</c> (or a bare pod name). Types: pod(s)/po, deployment(s)/deploy
    /// (also <c>deployment.apps</c>), replicaset(s)/rs, service(s)/svc. Anything else raises
    /// <see cref="PortForwardSpecException"/>.
    /// </summary>
    public static PortForwardTarget Parse(string text, string? @namespace = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new PortForwardSpecException("A port-forward target is required: TYPE/NAME or a pod name.", text ?? string.Empty);
        }

        var slash = text.IndexOf('/');
        var type = slash < 0 ? "pod" : text[..slash];
        var name = slash < 0 ? text : text[(slash + 1)..];
        if (!IsDnsName(name))
        {
            throw new PortForwardSpecException($"'{name}' in '{text}' is not a valid object name.", text);
        }

        var kind = type.ToLowerInvariant() switch
        {
            "pod" or "pods" or "po" => PortForwardTargetKind.Pod,
            "deployment" or "deployments" or "deploy" or "deployment.apps" or "deployments.apps" => PortForwardTargetKind.Deployment,
            "replicaset" or "replicasets" or "rs" or "replicaset.apps" or "replicasets.apps" => PortForwardTargetKind.ReplicaSet,
            "service" or "services" or "svc" => PortForwardTargetKind.Service,
            _ => throw new PortForwardSpecException(
                $"cannot attach to {type}: port-forward targets are pod, deployment, replicaset and service (in '{text}').", text),
        };
        return new PortForwardTarget(kind, name, @namespace);
    }

    /// <summary>
    /// The pod kubectl would use for this target (as <c>kubectl exec deploy/x</c> and <c>kubectl port-forward</c>
    /// choose it): the named pod, else the first of the selector's pods in kubectl's order (running and ready
    /// first), waiting up to <see cref="PortForwardOptions.PodRunningTimeout"/> for one to exist.
    /// </summary>
    /// <param name="connection">The connection to the API server.</param>
    /// <param name="options">For the wait; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <exception cref="PortForwardException">The object or a pod for it cannot be found.</exception>
    public async Task<k8s.Models.V1Pod> ResolvePodAsync(IKubeConnection connection, PortForwardOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var resolver = new TargetResolver(connection, Namespace ?? connection.Namespace, this, [], options ?? new PortForwardOptions());
        return await resolver.SelectPodAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}/{Name}";

    private static bool IsDnsName(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.'))
            {
                return false;
            }
        }

        return char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]);
    }
}
