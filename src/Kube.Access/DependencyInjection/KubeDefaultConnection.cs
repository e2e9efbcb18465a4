namespace Kube.Access;

/// <summary>
/// The application's shared default connection, created on first use by
/// <see cref="IKubeConnectionFactory.CreateDefaultAsync"/> and disposed with the container.
/// </summary>
public interface IKubeDefaultConnection
{
    /// <summary>The default connection (created once; a failed attempt is retried on the next call).</summary>
    ValueTask<IKubeConnection> GetAsync(CancellationToken cancellationToken);
}

/// <summary>Lazily creates and caches the default connection (see <see cref="IKubeDefaultConnection"/>).</summary>
public sealed class KubeDefaultConnection : IKubeDefaultConnection, IAsyncDisposable
{
    private readonly IKubeConnectionFactory _factory;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IKubeConnection? _connection;
    private bool _disposed;

    /// <summary>Creates the holder over <paramref name="factory"/>.</summary>
    public KubeDefaultConnection(IKubeConnectionFactory factory) => _factory = factory ?? throw new ArgumentNullException(nameof(factory));

    /// <inheritdoc />
    public async ValueTask<IKubeConnection> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { } existing)
        {
            return existing;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is null)
            {
                var created = await _factory.CreateDefaultAsync(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _connection, created);
            }

            return _connection!;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_connection is { } connection)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
