using Kube.Access.InCluster;
using Kube.Access.Kubeconfig;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kube.Access;

/// <summary>
/// Creates <see cref="KubeConnection"/>s: from an explicit endpoint, or by the default resolution
/// rules of client-go (explicit options or kubeconfig; else in-cluster; else <c>KUBECONFIG</c> /
/// <c>~/.kube/config</c>).
/// </summary>
public sealed class KubeConnectionFactory : IKubeConnectionFactory
{
    private readonly KubeAccessOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IInClusterConfig _inCluster;
    private readonly IKubeconfigEndpointResolver _kubeconfig;

    /// <summary>A factory with default options (what a process without DI gets).</summary>
    public KubeConnectionFactory()
        : this(Microsoft.Extensions.Options.Options.Create(new KubeAccessOptions()))
    {
    }

    /// <summary>Creates the factory.</summary>
    /// <param name="options">Resolution options.</param>
    /// <param name="loggerFactory">Logging; nothing is logged when <c>null</c>.</param>
    /// <param name="inCluster">The in-cluster reader; by default one built from <paramref name="options"/>.</param>
    /// <param name="kubeconfigLoader">The kubeconfig loader; by default <see cref="KubeconfigLoader.Instance"/>.</param>
    public KubeConnectionFactory(IOptions<KubeAccessOptions> options, ILoggerFactory? loggerFactory = null, IInClusterConfig? inCluster = null, IKubeconfigLoader? kubeconfigLoader = null)
        : this(options, loggerFactory, inCluster, KubeconfigResolvers.Default(kubeconfigLoader))
    {
    }

    internal KubeConnectionFactory(IOptions<KubeAccessOptions> options, ILoggerFactory? loggerFactory, IInClusterConfig? inCluster, IKubeconfigEndpointResolver kubeconfig)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<KubeConnectionFactory>();
        _inCluster = inCluster ?? new InClusterConfig(ToInClusterOptions(_options));
        _kubeconfig = kubeconfig;
    }

    /// <inheritdoc />
    public IKubeConnection Create(KubeEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new KubeConnection(endpoint, _loggerFactory.CreateLogger<KubeConnection>());
    }

    /// <inheritdoc />
    public async ValueTask<IKubeConnection> CreateDefaultAsync(CancellationToken cancellationToken)
    {
        var endpoint = await ResolveDefaultEndpointAsync(cancellationToken).ConfigureAwait(false);
        return Create(endpoint);
    }

    /// <summary>The endpoint the default resolution rules pick, with the options' overrides, impersonation and namespace applied.</summary>
    /// <exception cref="KubeAccessException">No source is usable; the message says what was looked at.</exception>
    public async ValueTask<KubeEndpoint> ResolveDefaultEndpointAsync(CancellationToken cancellationToken)
    {
        var endpoint = await ResolveSourceAsync(cancellationToken).ConfigureAwait(false);
        if (_options.Overrides is { IsEmpty: false } overrides)
        {
            endpoint = overrides.ApplyTo(endpoint);
        }

        if (_options.Impersonation is not null)
        {
            endpoint = endpoint with { Impersonation = _options.Impersonation };
        }

        if (!string.IsNullOrWhiteSpace(_options.Namespace))
        {
            endpoint = endpoint with { Namespace = _options.Namespace };
        }

        _logger.LogDebug("Resolved the API server {Server} from {Source}.", endpoint.Server, endpoint.Source ?? "options");
        return endpoint;
    }

    private async ValueTask<KubeEndpoint> ResolveSourceAsync(CancellationToken cancellationToken)
    {
        if (_options.Endpoint is { } explicitEndpoint)
        {
            return explicitEndpoint;
        }

        switch (_options.Mode)
        {
            case KubeConnectionMode.InCluster:
                return await LoadInClusterAsync(cancellationToken).ConfigureAwait(false);
            case KubeConnectionMode.Kubeconfig:
                return await FromKubeconfigAsync(_options.KubeconfigPath, _options.Context, cancellationToken).ConfigureAwait(false);
        }

        // client-go: an explicit kubeconfig path or context means kubeconfig, whatever the environment.
        if (_options.KubeconfigPath is not null || _options.Context is not null)
        {
            return await FromKubeconfigAsync(_options.KubeconfigPath, _options.Context, cancellationToken).ConfigureAwait(false);
        }

        var status = _inCluster.Detect();
        if (status.IsInCluster)
        {
            return await LoadInClusterAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_kubeconfig.Exists(null))
        {
            return await FromKubeconfigAsync(null, null, cancellationToken).ConfigureAwait(false);
        }

        // As kubectl: with --server and no configuration at all, the overrides are the whole endpoint.
        if (OverridesOnly() is { } endpoint)
        {
            return endpoint;
        }

        throw new KubeAccessException(
            "No cluster configuration found: not in a cluster (" + status.Reason + ") and no kubeconfig at "
            + string.Join(Path.PathSeparator, KubeconfigLocations.Resolve(null)) + " (set KUBECONFIG or pass a kubeconfig path).");
    }

    private async ValueTask<KubeEndpoint> FromKubeconfigAsync(string? path, string? context, CancellationToken cancellationToken)
    {
        try
        {
            return await _kubeconfig.ResolveAsync(path, context, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeconfigException e) when (context is null && e.Field == "current-context" && OverridesOnly() is { } endpoint)
        {
            // As kubectl: with --server, a kubeconfig that chooses no context is an empty one, not an error.
            return endpoint;
        }
    }

    /// <summary>The endpoint of the overrides alone (their server, nothing else: the overrides are laid over it later), when they name a server.</summary>
    private KubeEndpoint? OverridesOnly() =>
        _options.Overrides?.Server is { } server ? new KubeEndpoint { Server = server, Source = "overrides" } : null;

    private async ValueTask<KubeEndpoint> LoadInClusterAsync(CancellationToken cancellationToken)
    {
        var endpoint = await _inCluster.LoadAsync(cancellationToken).ConfigureAwait(false);
        return endpoint.ContextName is null ? endpoint with { ContextName = "in-cluster" } : endpoint;
    }

    internal static InClusterOptions ToInClusterOptions(KubeAccessOptions options)
    {
        var result = new InClusterOptions { Environment = options.InClusterEnvironment };
        if (!string.IsNullOrWhiteSpace(options.ServiceAccountDirectory))
        {
            result.ServiceAccountDirectory = options.ServiceAccountDirectory;
        }

        return result;
    }
}
