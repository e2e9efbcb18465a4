namespace Kube.Access;

/// <summary>
/// A bearer token read from a file (kubeconfig <c>tokenFile</c>, a service-account token) and
/// re-read when it may have rotated: at most every <see cref="RefreshInterval"/>, and at once
/// after the server rejected it. Bound service-account tokens expire in about an hour, so
/// reading the file once is a bug.
/// </summary>
public sealed class TokenFileCredentialSource : CachingCredentialSource
{
    private readonly TimeProvider _time;
    private DateTimeOffset _readAt;

    /// <summary>Creates a source for <paramref name="path"/>.</summary>
    /// <param name="path">The token file.</param>
    /// <param name="refreshInterval">How long a read token is trusted before the file is read again; default one minute.</param>
    /// <param name="timeProvider">The clock; default the system clock.</param>
    public TokenFileCredentialSource(string path, TimeSpan? refreshInterval = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        RefreshInterval = refreshInterval ?? TimeSpan.FromMinutes(1);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The token file.</summary>
    public string Path { get; }

    /// <summary>How long a read token is used before the file is read again.</summary>
    public TimeSpan RefreshInterval { get; }

    /// <inheritdoc />
    protected override bool IsFresh(KubeCredential credential) => _time.GetUtcNow() - _readAt < RefreshInterval;

    /// <inheritdoc />
    protected override async ValueTask<KubeCredential> FetchAsync(CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(Path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeCredentialException($"Cannot read the token file '{Path}': {e.Message}", e);
        }

        var token = text.Trim();
        if (token.Length == 0)
        {
            throw new KubeCredentialException($"The token file '{Path}' is empty.");
        }

        _readAt = _time.GetUtcNow();
        return KubeCredential.FromToken(token);
    }
}
