namespace Kube.Access;

/// <summary>
/// The shared shape of credential sources that fetch a credential (read a file, run a plugin) and
/// reuse it while it is fresh: one fetch at a time, a lock-free read of a fresh cached value, and
/// <see cref="InvalidateAsync"/> dropping the value the server rejected so the next call fetches again.
/// </summary>
public abstract class CachingCredentialSource : IKubeCredentialSource
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private KubeCredential? _cached;

    /// <summary>Whether <paramref name="credential"/>, fetched earlier, may still be used.</summary>
    protected abstract bool IsFresh(KubeCredential credential);

    /// <summary>Fetches a new credential; called under the source's lock, never concurrently.</summary>
    protected abstract ValueTask<KubeCredential> FetchAsync(CancellationToken cancellationToken);

    /// <inheritdoc />
    public async ValueTask<KubeCredential> GetCredentialAsync(CancellationToken cancellationToken)
    {
        var cached = Volatile.Read(ref _cached);
        if (cached is not null && IsFresh(cached))
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is not null && IsFresh(_cached))
            {
                return _cached;
            }

            var credential = await FetchAsync(cancellationToken).ConfigureAwait(false);
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
