namespace Kube.Access;

/// <summary>
/// One credential as presented on a request: a bearer token, basic-auth user and password, and/or
/// a client certificate (exec plugins may return one). Immutable; compare by value to tell whether
/// a refresh produced something new.
/// </summary>
public sealed record KubeCredential
{
    /// <summary>No credential at all.</summary>
    public static KubeCredential Anonymous { get; } = new();

    /// <summary>The bearer token, if any.</summary>
    public string? BearerToken { get; init; }

    /// <summary>The basic-auth user name, if any.</summary>
    public string? Username { get; init; }

    /// <summary>The basic-auth password, if any.</summary>
    public string? Password { get; init; }

    /// <summary>A client certificate PEM returned by a credential plugin, if any.</summary>
    public string? ClientCertificatePem { get; init; }

    /// <summary>The private key PEM of <see cref="ClientCertificatePem"/>.</summary>
    public string? ClientKeyPem { get; init; }

    /// <summary>When the credential stops being valid, when known.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>A bearer-token credential.</summary>
    public static KubeCredential FromToken(string token) => new() { BearerToken = token };

    /// <summary>A basic-auth credential.</summary>
    public static KubeCredential FromBasic(string username, string password) => new() { Username = username, Password = password };

    /// <summary>Never prints secrets.</summary>
    public override string ToString() =>
        BearerToken is not null ? "KubeCredential { BearerToken = REDACTED }"
        : Username is not null ? $"KubeCredential {{ Username = {Username}, Password = REDACTED }}"
        : ClientCertificatePem is not null ? "KubeCredential { ClientCertificate }"
        : "KubeCredential { Anonymous }";
}

/// <summary>
/// A source of credentials for one endpoint. The connection layer asks it before each request
/// (implementations cache) and calls <see cref="InvalidateAsync"/> when the server answers 401.
/// </summary>
public interface IKubeCredentialSource
{
    /// <summary>The credential to use now.</summary>
    ValueTask<KubeCredential> GetCredentialAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The server rejected <paramref name="rejected"/>. Drop it from any cache. Returns <c>true</c>
    /// when asking again may give a different credential (so one retry is worth it).
    /// </summary>
    ValueTask<bool> InvalidateAsync(KubeCredential rejected, CancellationToken cancellationToken);
}

/// <summary>A source that never authenticates.</summary>
public sealed class AnonymousCredentialSource : IKubeCredentialSource
{
    /// <summary>The single instance.</summary>
    public static AnonymousCredentialSource Instance { get; } = new();

    private AnonymousCredentialSource() { }

    /// <inheritdoc />
    public ValueTask<KubeCredential> GetCredentialAsync(CancellationToken cancellationToken) => new(KubeCredential.Anonymous);

    /// <inheritdoc />
    public ValueTask<bool> InvalidateAsync(KubeCredential rejected, CancellationToken cancellationToken) => new(false);
}

/// <summary>A fixed credential (a static token, or basic auth).</summary>
public sealed class StaticCredentialSource : IKubeCredentialSource
{
    private readonly KubeCredential _credential;

    /// <summary>Wraps <paramref name="credential"/>.</summary>
    public StaticCredentialSource(KubeCredential credential) => _credential = credential ?? throw new ArgumentNullException(nameof(credential));

    /// <inheritdoc />
    public ValueTask<KubeCredential> GetCredentialAsync(CancellationToken cancellationToken) => new(_credential);

    /// <inheritdoc />
    public ValueTask<bool> InvalidateAsync(KubeCredential rejected, CancellationToken cancellationToken) => new(false);
}
