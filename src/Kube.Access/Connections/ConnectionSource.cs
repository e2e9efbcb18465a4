namespace Kube.Access;

/// <summary>Either a given connection or the container's default one, resolved on first use.</summary>
internal sealed class ConnectionSource
{
    private readonly IKubeConnection? _connection;
    private readonly IKubeDefaultConnection? _default;

    public ConnectionSource(IKubeConnection connection) => _connection = connection ?? throw new ArgumentNullException(nameof(connection));

    public ConnectionSource(IKubeDefaultConnection defaultConnection) => _default = defaultConnection ?? throw new ArgumentNullException(nameof(defaultConnection));

    public ValueTask<IKubeConnection> GetAsync(CancellationToken cancellationToken) =>
        _connection is not null ? ValueTask.FromResult(_connection) : _default!.GetAsync(cancellationToken);
}
