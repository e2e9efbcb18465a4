using System.Globalization;

namespace Kube.Access.InCluster;

/// <summary>Reads the in-cluster configuration of a pod (see <see cref="IInClusterConfig"/>).</summary>
public sealed class InClusterConfig : IInClusterConfig
{
    /// <summary>The environment variable holding the API server's service host.</summary>
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";

    /// <summary>The environment variable holding the API server's service port.</summary>
    public const string ServicePortVariable = "KUBERNETES_SERVICE_PORT";

    /// <summary>The environment variable that, when set, overrides the namespace file (client-go does the same).</summary>
    public const string PodNamespaceVariable = "POD_NAMESPACE";

    /// <summary>The documented DNS name of the API server inside the cluster.</summary>
    public const string KubernetesServiceDnsName = "kubernetes.default.svc";

    /// <summary>The default cluster DNS domain.</summary>
    public const string DefaultClusterDomain = "cluster.local";

    /// <summary>The token file name inside the service-account directory.</summary>
    public const string TokenFileName = "token";

    /// <summary>The CA bundle file name inside the service-account directory.</summary>
    public const string CertificateAuthorityFileName = "ca.crt";

    /// <summary>The namespace file name inside the service-account directory.</summary>
    public const string NamespaceFileName = "namespace";

    /// <summary>Creates a reader with <paramref name="options"/> (default: the pod's standard locations).</summary>
    public InClusterConfig(InClusterOptions? options = null) => Options = options ?? new InClusterOptions();

    /// <inheritdoc />
    public InClusterOptions Options { get; }

    /// <summary>The token file path.</summary>
    public string TokenPath => Path.Combine(Options.ServiceAccountDirectory, TokenFileName);

    /// <summary>The CA bundle path.</summary>
    public string CertificateAuthorityPath => Path.Combine(Options.ServiceAccountDirectory, CertificateAuthorityFileName);

    /// <summary>The namespace file path.</summary>
    public string NamespacePath => Path.Combine(Options.ServiceAccountDirectory, NamespaceFileName);

    /// <inheritdoc />
    public InClusterStatus Detect()
    {
        var dir = Options.ServiceAccountDirectory;
        if (string.IsNullOrEmpty(GetVariable(ServiceHostVariable)))
        {
            return new InClusterStatus(false, $"{ServiceHostVariable} is not set", dir);
        }

        if (string.IsNullOrEmpty(GetVariable(ServicePortVariable)))
        {
            return new InClusterStatus(false, $"{ServicePortVariable} is not set", dir);
        }

        if (!File.Exists(TokenPath))
        {
            return new InClusterStatus(false, $"the service-account token file '{TokenPath}' does not exist", dir);
        }

        return new InClusterStatus(true, $"{ServiceHostVariable}, {ServicePortVariable} and '{TokenPath}' are present", dir);
    }

    /// <summary>The API server URL from the service environment variables (IPv6 hosts bracketed).</summary>
    /// <exception cref="InClusterException">A variable is missing or invalid.</exception>
    public Uri GetServerUrl()
    {
        var host = GetVariable(ServiceHostVariable)?.Trim();
        if (string.IsNullOrEmpty(host))
        {
            throw new InClusterException($"Not running in a cluster: {ServiceHostVariable} is not set.", variable: ServiceHostVariable);
        }

        var portText = GetVariable(ServicePortVariable)?.Trim();
        if (string.IsNullOrEmpty(portText))
        {
            throw new InClusterException($"Not running in a cluster: {ServicePortVariable} is not set.", variable: ServicePortVariable);
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new InClusterException($"{ServicePortVariable} is '{portText}', not a port number (1-65535).", variable: ServicePortVariable);
        }

        if (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
        {
            host = "[" + host + "]";
        }

        if (!Uri.TryCreate($"https://{host}:{port.ToString(CultureInfo.InvariantCulture)}", UriKind.Absolute, out var uri)
            || !string.IsNullOrEmpty(uri.PathAndQuery.Trim('/')))
        {
            throw new InClusterException($"{ServiceHostVariable} is '{host}', not a host name or IP address.", variable: ServiceHostVariable);
        }

        return uri;
    }

    /// <inheritdoc />
    public async ValueTask<KubeEndpoint> LoadAsync(CancellationToken cancellationToken)
    {
        var server = GetServerUrl();

        string ca;
        try
        {
            ca = await File.ReadAllTextAsync(CertificateAuthorityPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InClusterException($"Cannot read the service-account CA '{CertificateAuthorityPath}': {e.Message}", CertificateAuthorityPath, innerException: e);
        }

        if (!ca.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new InClusterException($"The service-account CA '{CertificateAuthorityPath}' holds no PEM certificate.", CertificateAuthorityPath);
        }

        var tokens = new TokenFileCredentialSource(TokenPath, Options.TokenRefreshInterval);

        // Fail now, naming the path, rather than at the first request.
        await tokens.GetCredentialAsync(cancellationToken).ConfigureAwait(false);

        var ns = await ReadNamespaceAsync(cancellationToken).ConfigureAwait(false);
        return new KubeEndpoint
        {
            Server = server,
            Tls = new KubeTlsSettings { CertificateAuthorityPem = ca },
            Credentials = tokens,
            Namespace = ns,
            Source = $"in-cluster ({Options.ServiceAccountDirectory})",
        };
    }

    /// <summary>
    /// The pod's namespace: <c>POD_NAMESPACE</c> when set, else the trimmed namespace file, else <c>default</c>.
    /// </summary>
    public async ValueTask<string> ReadNamespaceAsync(CancellationToken cancellationToken)
    {
        var fromEnv = GetVariable(PodNamespaceVariable)?.Trim();
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        try
        {
            var text = (await File.ReadAllTextAsync(NamespacePath, cancellationToken).ConfigureAwait(false)).Trim();
            return text.Length == 0 ? "default" : text;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "default";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InClusterException($"Cannot read the namespace file '{NamespacePath}': {e.Message}", NamespacePath, innerException: e);
        }
    }

    /// <inheritdoc />
    public async ValueTask<string> GetClusterDomainAsync(CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(Options.ResolvConfPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DefaultClusterDomain;
        }

        return ParseClusterDomain(text) ?? DefaultClusterDomain;
    }

    /// <summary>
    /// Finds the cluster domain in a resolv.conf text: the last <c>search</c> line wins (as in the
    /// resolver), and its first entry of the form <c>svc.DOMAIN</c> or <c>NAMESPACE.svc.DOMAIN</c>
    /// gives <c>DOMAIN</c>. Returns <c>null</c> when there is none.
    /// </summary>
    public static string? ParseClusterDomain(string resolvConf)
    {
        ArgumentNullException.ThrowIfNull(resolvConf);
        string[]? search = null;
        foreach (var rawLine in resolvConf.Split('\n'))
        {
            var line = rawLine.Trim();
            var hash = line.IndexOfAny(['#', ';']);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && (fields[0] == "search" || fields[0] == "domain"))
            {
                if (fields[0] == "search" || search is null)
                {
                    search = fields[1..];
                }
            }
        }

        if (search is null)
        {
            return null;
        }

        foreach (var entry in search)
        {
            var name = entry.TrimEnd('.').ToLowerInvariant();
            var labels = name.Split('.');
            for (var i = 0; i < labels.Length - 1; i++)
            {
                if (labels[i] == "svc" && i <= 1)
                {
                    var domain = string.Join('.', labels[(i + 1)..]);
                    if (domain.Length > 0)
                    {
                        return domain;
                    }
                }
            }
        }

        return null;
    }

    private string? GetVariable(string name) =>
        Options.Environment is { } env
            ? (env.TryGetValue(name, out var value) ? value : null)
            : System.Environment.GetEnvironmentVariable(name);
}
