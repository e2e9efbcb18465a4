namespace Kube.Access.Testing;

/// <summary>The objects a <see cref="KubeApiEmulator"/> is seeded with at start.</summary>
public enum EmulatorScenario
{
    /// <summary>Only what every cluster has: the default, kube-system, kube-public and kube-node-lease namespaces, the <c>kubernetes</c> service and one node.</summary>
    Empty = 0,

    /// <summary>The objects of the "Access Applications in a Cluster" guide: cluster services, the dashboard, mongo, hello-world, the <c>hello</c> backend and two worker nodes.</summary>
    Guide = 1,
}

/// <summary>How a kubeconfig written by <see cref="KubeApiEmulator.WriteKubeconfig"/> authenticates.</summary>
public enum EmulatorAuth
{
    /// <summary>The emulator's <see cref="KubeApiEmulator.DefaultToken"/> as a bearer token.</summary>
    Token = 0,

    /// <summary>A client certificate (user <c>kube-access-admin</c>, group <c>system:masters</c>) signed by the emulator's CA. HTTPS only.</summary>
    ClientCertificate = 1,

    /// <summary>A basic-auth user added for the kubeconfig.</summary>
    Basic = 2,

    /// <summary>The path of <see cref="KubeApiEmulator.TokenFile"/> (<c>tokenFile</c>), whose content is accepted and re-read when it changes.</summary>
    TokenFile = 3,

    /// <summary>No credentials (anonymous; accepted on plain HTTP unless disabled).</summary>
    None = 4,
}

/// <summary>One request the emulator received, as recorded in <see cref="KubeApiEmulator.Requests"/>.</summary>
/// <param name="Method">The HTTP method (<c>GET</c>, <c>POST</c>, ...).</param>
/// <param name="PathAndQuery">The path with its query string, as sent.</param>
/// <param name="Headers">The request headers (names lower-case; repeated headers joined with <c>", "</c>).</param>
/// <param name="User">The authenticated user name, or <c>null</c> when authentication failed.</param>
/// <param name="ImpersonatedUser">The value of the <c>Impersonate-User</c> header, if any.</param>
/// <param name="ImpersonatedGroups">The values of the <c>Impersonate-Group</c> headers.</param>
/// <param name="StatusCode">The status code the emulator answered with (0 while the response is still running, e.g. a watch).</param>
public sealed record EmulatorRequest(
    string Method,
    string PathAndQuery,
    IReadOnlyDictionary<string, string> Headers,
    string? User,
    string? ImpersonatedUser,
    IReadOnlyList<string> ImpersonatedGroups,
    int StatusCode);

/// <summary>A request the emulator failed on with an exception of its own (a bug of the emulator), as listed in <see cref="KubeApiEmulator.UnexpectedErrors"/>.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="PathAndQuery">The path with its query string.</param>
/// <param name="Exception">What the emulator threw.</param>
public sealed record EmulatorServerError(string Method, string PathAndQuery, Exception Exception);

/// <summary>An authorization question the emulator asks <see cref="KubeApiEmulatorOptions.Authorize"/>.</summary>
/// <param name="User">The user making the request (after impersonation, for everything but the <c>impersonate</c> verb).</param>
/// <param name="Groups">The user's groups.</param>
/// <param name="Verb">The Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection, impersonate.</param>
/// <param name="Group">The API group of the resource ("" for the core group).</param>
/// <param name="Resource">The resource (plural, e.g. <c>pods</c>), or the path for non-resource requests.</param>
/// <param name="Subresource">The subresource (e.g. <c>portforward</c>), if any.</param>
/// <param name="Namespace">The namespace, if the request is namespaced.</param>
/// <param name="Name">The object name, if the request names one.</param>
public sealed record EmulatorAccessRequest(
    string User,
    IReadOnlyList<string> Groups,
    string Verb,
    string Group,
    string Resource,
    string? Subresource,
    string? Namespace,
    string? Name);

/// <summary>The emulator could not do what was asked (bad options, a port that cannot be bound, an unknown credential kind...).</summary>
public sealed class KubeApiEmulatorException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public KubeApiEmulatorException(string message, Exception? innerException = null) : base(message, innerException) { }
}
