using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kube.Access.PortForward;

/// <summary>The <see cref="IPortForwarder"/> over an <see cref="IKubeConnection"/>.</summary>
public sealed class PortForwarder : IPortForwarder
{
    private readonly ConnectionSource _connection;
    private readonly PortForwardOptions _defaults;
    private readonly ILogger _logger;

    /// <summary>Creates a forwarder over <paramref name="connection"/> (owned by the caller).</summary>
    public PortForwarder(IKubeConnection connection, IOptions<PortForwardOptions>? options = null, ILogger<PortForwarder>? logger = null)
    {
        _connection = new ConnectionSource(connection);
        _defaults = options?.Value ?? new PortForwardOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Creates a forwarder over the application's default connection (the DI registration of <c>AddPortForward()</c>).</summary>
    public PortForwarder(IKubeDefaultConnection defaultConnection, IOptions<PortForwardOptions>? options = null, ILogger<PortForwarder>? logger = null)
    {
        _connection = new ConnectionSource(defaultConnection);
        _defaults = options?.Value ?? new PortForwardOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<PortForwardSession> StartAsync(PortForwardTarget target, IReadOnlyList<PortMapping> ports, PortForwardOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (ports is null || ports.Count == 0)
        {
            throw new PortForwardSpecException("At least one port spec is required: [LOCAL:]REMOTE.", string.Empty);
        }

        options ??= _defaults;
        options.Validate();
        var addresses = ParseAddresses(options.Addresses);
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var ns = string.IsNullOrEmpty(target.Namespace) ? connection.Namespace : target.Namespace;
        var resolver = new TargetResolver(connection, ns, target, ports, options);
        var pod = await resolver.ResolveAsync(cancellationToken).ConfigureAwait(false);
        var session = new PortForwardSession(connection, resolver, pod, options, _logger);
        await session.PreparePoolAsync(cancellationToken).ConfigureAwait(false);
        options.OnStarting?.Invoke(session);
        session.Start(addresses, cancellationToken);
        return session;
    }

    /// <inheritdoc />
    public async ValueTask<Stream> OpenStreamAsync(string pod, int port, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pod);
        if (port is < 1 or > 65535)
        {
            throw new PortForwardSpecException($"Port {port} is out of range 1-65535.", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var ns = string.IsNullOrEmpty(@namespace) ? connection.Namespace : @namespace;
        var tunnel = await PodPortTunnel.OpenAsync(connection, ns, pod, port, _defaults.MaxBufferedBytes, inlineReaders: false, _logger, cancellationToken).ConfigureAwait(false);
        return new PortForwardStream(tunnel);
    }

    /// <summary>kubectl's <c>--address</c>: IPs or <c>localhost</c> (127.0.0.1 and ::1, each optional as long as one binds).</summary>
    internal static IReadOnlyList<(IPAddress Address, bool Required)> ParseAddresses(IEnumerable<string> addresses)
    {
        var result = new List<(IPAddress, bool)>();
        foreach (var raw in addresses)
        {
            foreach (var text in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
                {
                    Add(IPAddress.Loopback, false);
                    if (Socket.OSSupportsIPv6)
                    {
                        Add(IPAddress.IPv6Loopback, false);
                    }

                    continue;
                }

                if (!IPAddress.TryParse(text.Trim('[', ']'), out var address))
                {
                    throw new PortForwardSpecException($"{text} is not a valid IP: --address accepts IP addresses or localhost.", text);
                }

                Add(address, true);
            }
        }

        if (result.Count == 0)
        {
            throw new PortForwardSpecException("At least one listen address is required.", string.Join(",", addresses));
        }

        return result;

        void Add(IPAddress address, bool required)
        {
            var existing = result.FindIndex(r => r.Item1.Equals(address));
            if (existing < 0)
            {
                result.Add((address, required));
            }
            else if (required)
            {
                result[existing] = (address, true);
            }
        }
    }
}
