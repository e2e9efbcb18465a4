namespace Kube.Access;

/// <summary>
/// A bearer token read from a file (kubeconfig <c>tokenFile</c>, a service-account token) and
/// re-read when it may have rotated: at most every <see cref="RefreshInterval"/>, and at once
/// after the server rejected it. Bound service-account tokens expire in about an hour, so
/// reading the file once is a bug.
/// </summary>
public sealed class TokenFileCredentialSource : IKubeCredentialSource
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private KubeCredential? _cached;
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
    public async ValueTask<KubeCredential> GetCredentialAsync(CancellationToken cancellationToken)
    {
        var cached = Volatile.Read(ref _cached);
        if (cached is not null && _time.GetUtcNow() - _readAt < RefreshInterval)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is not null && _time.GetUtcNow() - _readAt < RefreshInterval)
            {
                return _cached;
            }

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

            var credential = KubeCredential.FromToken(token);
            _readAt = _time.GetUtcNow();
            Volatile.Write(ref _cached, credential);
            return credential;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> InvalidateAsync(KubeCredential rejected, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Equals(_cached, rejected))
            {
                _cached = null;
            }

            return true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
