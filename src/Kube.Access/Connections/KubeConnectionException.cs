namespace Kube.Access;

/// <summary>
/// The API server could not be reached or its TLS identity was not accepted (connection refused,
/// name or CA mismatch, client certificate rejected, proxy failure). Names the server.
/// </summary>
public class KubeConnectionException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public KubeConnectionException(string message, Uri server, Exception? innerException = null)
        : base(message, innerException) => Server = server;

    /// <summary>The server that could not be reached.</summary>
    public Uri Server { get; }
}

/// <summary>The TLS settings of an endpoint are invalid (unreadable CA or client certificate/key PEM, a CA together with insecure-skip-tls-verify).</summary>
public sealed class KubeTlsConfigurationException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public KubeTlsConfigurationException(string message, string field, Exception? innerException = null)
        : base(message, innerException) => Field = field;

    /// <summary>The setting at fault (<c>certificate-authority-data</c>, <c>client-certificate-data</c>, <c>client-key-data</c>, <c>insecure-skip-tls-verify</c>).</summary>
    public string Field { get; }
}

/// <summary>A proxy setting is unusable (an <c>HTTPS_PROXY</c>, <c>HTTP_PROXY</c> or kubeconfig <c>proxy-url</c> that is not a proxy URL).</summary>
public sealed class KubeProxyConfigurationException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public KubeProxyConfigurationException(string message, string setting, Exception? innerException = null)
        : base(message, innerException) => Setting = setting;

    /// <summary>The setting at fault (the environment variable's name, or <c>proxy-url</c>).</summary>
    public string Setting { get; }
}
