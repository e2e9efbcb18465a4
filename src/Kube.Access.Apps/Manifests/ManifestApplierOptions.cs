namespace Kube.Access.Manifests;

/// <summary>Settings of <see cref="IManifestApplier"/> (bind through <c>IOptions</c>).</summary>
public sealed class ManifestApplierOptions
{
    /// <summary>How long one URL download may take, redirects included (default 30 seconds).</summary>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest manifest accepted from one file, URL or stream (default 16 MiB).</summary>
    public long MaxManifestBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The most redirects followed for one URL (default 10).</summary>
    public int MaxRedirects { get; set; } = 10;

    /// <summary>
    /// Use the environment's proxy for URL downloads as kubectl does (<c>HTTPS_PROXY</c>, <c>HTTP_PROXY</c>, <c>NO_PROXY</c>; never
    /// for a loopback URL: see <see cref="KubeEnvironmentProxy"/>) (default true).
    /// </summary>
    public bool UseSystemProxy { get; set; } = true;

    /// <summary>The field manager recorded for applied objects (kubectl's is <c>kubectl-client-side-apply</c>).</summary>
    public string FieldManager { get; set; } = "kubectl-client-side-apply";
}

/// <summary>Dry-run modes, as <c>kubectl apply --dry-run</c>.</summary>
public enum ApplyDryRun
{
    /// <summary>Apply for real.</summary>
    None = 0,

    /// <summary>Only say what would happen (the server is read, never written).</summary>
    Client = 1,

    /// <summary>Send the requests with <c>dryRun=All</c>: the server validates and answers without persisting.</summary>
    Server = 2,
}

/// <summary>Per-call settings of <see cref="IManifestApplier.ApplyAsync"/>.</summary>
public sealed record ApplyRequest
{
    /// <summary>The namespace for namespaced objects that set none (default: the connection's namespace).</summary>
    public string? Namespace { get; init; }

    /// <summary>
    /// When true, <see cref="Namespace"/> was given explicitly (<c>--namespace</c>): an object naming another namespace is
    /// an error, as in kubectl.
    /// </summary>
    public bool EnforceNamespace { get; init; }

    /// <summary>The dry-run mode.</summary>
    public ApplyDryRun DryRun { get; init; }
}

/// <summary>What happened to one object.</summary>
public enum ApplyAction
{
    /// <summary>The object did not exist and was created.</summary>
    Created,

    /// <summary>The object existed and was changed.</summary>
    Configured,

    /// <summary>The object already matched.</summary>
    Unchanged,

    /// <summary>The API server refused the object (see <see cref="AppliedObject.Error"/>).</summary>
    Failed,
}
