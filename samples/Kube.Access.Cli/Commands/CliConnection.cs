using System.CommandLine;
using System.Net.WebSockets;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Kube.Access.Cli.Commands;

/// <summary>
/// The global connection options of kube-access (<c>--kubeconfig</c>, <c>--context</c>,
/// <c>--in-cluster</c>, <c>--serviceaccount-dir</c>, <c>--server</c>, <c>--token</c>,
/// <c>--certificate-authority</c>, <c>--insecure-skip-tls-verify</c>, <c>--as</c>, <c>--as-group</c>)
/// and the one way every command gets its <see cref="IKubeConnection"/>:
/// <code>await using var connection = await CliConnection.CreateAsync(parseResult, ct);</code>
/// </summary>
internal static class CliConnection
{
    public static readonly Option<string?> Kubeconfig = new("--kubeconfig")
    {
        Description = "Path to the kubeconfig file (default: KUBECONFIG, else ~/.kube/config).",
        Recursive = true,
    };

    public static readonly Option<string?> Context = new("--context")
    {
        Description = "The kubeconfig context to use.",
        Recursive = true,
    };

    public static readonly Option<bool> InCluster = new("--in-cluster")
    {
        Description = "Use the pod's in-cluster configuration (service-account token and CA).",
        Recursive = true,
    };

    public static readonly Option<string?> ServiceAccountDir = new("--serviceaccount-dir")
    {
        Description = "Service-account directory for --in-cluster (default /var/run/secrets/kubernetes.io/serviceaccount).",
        Recursive = true,
    };

    public static readonly Option<string?> Server = new("--server")
    {
        Description = "The address and port of the Kubernetes API server (overrides the kubeconfig's; its CA and user still apply).",
        Recursive = true,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "Bearer token for authentication to the API server (instead of the kubeconfig user's credentials).",
        Recursive = true,
    };

    public static readonly Option<string?> CertificateAuthority = new("--certificate-authority")
    {
        Description = "Path to a cert file for the certificate authority (instead of the kubeconfig's).",
        Recursive = true,
    };

    public static readonly Option<bool> InsecureSkipTlsVerify = new("--insecure-skip-tls-verify")
    {
        Description = "Do not check the server's certificate (dangerous; drops the kubeconfig's CA, as kubectl).",
        Recursive = true,
    };

    public static readonly Option<string?> TlsServerName = new("--tls-server-name")
    {
        Description = "Server name to check the server certificate against and send as SNI (instead of the server's host).",
        Recursive = true,
    };

    /// <summary>kubectl's global <c>-n/--namespace</c>: the namespace of the request (default: the context's), before or after the command.</summary>
    public static readonly Option<string?> Namespace = new("--namespace", "-n")
    {
        Description = "If present, the namespace scope for this request (default: the context's).",
        Recursive = true,
    };

    public static readonly Option<string?> As = new("--as")
    {
        Description = "User to impersonate.",
        Recursive = true,
    };

    public static readonly Option<string[]> AsGroup = new("--as-group")
    {
        Description = "Group to impersonate (repeatable).",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Serves until Ctrl+C (the command's cancellation) for long-running commands such as proxy.</summary>
    public static async Task WaitUntilCancelledAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: the normal way out.
        }
    }

    /// <summary>Adds the global options to the root command (once, in Program.cs).</summary>
    public static void AddGlobalOptions(Command root)
    {
        foreach (var option in new Option[] { Kubeconfig, Context, InCluster, ServiceAccountDir, Server, Token, CertificateAuthority, InsecureSkipTlsVerify, TlsServerName, Namespace, As, AsGroup })
        {
            root.Options.Add(option);
        }
    }

    /// <summary>Sets the SDK options the command line asks for: the one mapping from flags to <see cref="KubeAccessOptions"/>.</summary>
    public static void Configure(ParseResult parseResult, KubeAccessOptions options)
    {
        options.KubeconfigPath = parseResult.GetValue(Kubeconfig);
        options.Context = parseResult.GetValue(Context);
        options.ServiceAccountDirectory = parseResult.GetValue(ServiceAccountDir);
        options.Namespace = parseResult.GetValue(Namespace);

        if (parseResult.GetValue(InCluster))
        {
            options.Mode = KubeConnectionMode.InCluster;
        }

        // kubectl's global flags lay over the kubeconfig (client-go ConfigOverrides): what they do not name still comes from it.
        Uri? serverUri = null;
        if (parseResult.GetValue(Server) is { Length: > 0 } server)
        {
            if (!Uri.TryCreate(server, UriKind.Absolute, out serverUri) || serverUri.Scheme is not ("http" or "https"))
            {
                throw new KubeAccessException($"--server '{server}' is not an http(s) URL.");
            }
        }

        string? ca = null;
        if (parseResult.GetValue(CertificateAuthority) is { Length: > 0 } caPath)
        {
            try
            {
                ca = File.ReadAllText(caPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new KubeAccessException($"--certificate-authority '{caPath}' cannot be read: {e.Message}", e);
            }
        }

        var token = parseResult.GetValue(Token);
        if (!string.IsNullOrEmpty(token) && serverUri?.Scheme == Uri.UriSchemeHttp)
        {
            // kubectl never sends credentials to a plain http:// server; neither do we (a token in clear text).
            Console.Error.WriteLine($"warning: --token is not sent to {serverUri.GetLeftPart(UriPartial.Authority)}: credentials go only to https:// servers, as with kubectl.");
        }

        options.Overrides = new KubeEndpointOverrides
        {
            Server = serverUri,
            CertificateAuthorityPem = ca,
            InsecureSkipTlsVerify = parseResult.GetValue(InsecureSkipTlsVerify),
            TlsServerName = parseResult.GetValue(TlsServerName),
            Token = token,
        };

        var asUser = parseResult.GetValue(As);
        var asGroups = parseResult.GetValue(AsGroup) ?? [];
        if (!string.IsNullOrEmpty(asUser) || asGroups.Length > 0)
        {
            options.Impersonation = new KubeImpersonation(asUser, Groups: asGroups);
        }
    }

    /// <summary>
    /// The connection the command line asks for (explicit --server, --in-cluster, kubeconfig, or the
    /// client-go default order). Warnings (such as insecure TLS) go to standard error.
    /// </summary>
    public static async Task<IKubeConnection> CreateAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddLogging(ConfigureStderrLogging);
        services.AddKubeAccess(o => Configure(parseResult, o));
        var provider = services.BuildServiceProvider();
        try
        {
            var factory = provider.GetRequiredService<IKubeConnectionFactory>();
            var connection = await factory.CreateDefaultAsync(cancellationToken).ConfigureAwait(false);
            return new OwnedConnection(connection, provider);
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The command's logging (warnings and errors on standard error, like kubectl's klog output), set up once with its connection.</summary>
    public static ILoggerFactory LoggerFactoryOf(IKubeConnection connection) =>
        connection is OwnedConnection owned ? owned.LoggerFactory : Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

    private static void ConfigureStderrLogging(ILoggingBuilder b)
    {
        b.SetMinimumLevel(LogLevel.Warning);
        b.AddFilter("Microsoft", LogLevel.Error);
        b.AddFilter("Yarp", LogLevel.Critical);
        b.AddSimpleConsole(o => o.SingleLine = true);
        b.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    /// <summary>A command line kubectl refuses before doing anything: its message and help pointer on stderr, exit code 1.</summary>
    public static int UsageError(string command, string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine($"See 'kube-access {command} -h' for help and examples");
        return 1;
    }

    /// <summary>Prints a Kube.Access error the way kubectl does (<c>error: ...</c> on stderr) and returns exit code 1.</summary>
    public static int ReportError(Exception exception)
    {
        // kubectl prints the API server's refusals as they are ("Error from server (NotFound): ..."), other errors after "error: ".
        var message = OneLine(exception.Message);
        Console.Error.WriteLine(message.StartsWith("Error from server", StringComparison.Ordinal) ? message : $"error: {message}");
        return 1;
    }

    /// <summary>
    /// Prints an error that escaped a command as one <c>error: ...</c> line (never "Unhandled exception" and a
    /// stack trace) and returns exit code 1, as kubectl's CheckErr: Kube.Access errors and transport failures
    /// (which name the server) by their message, anything else with its type so a bug stays recognisable.
    /// </summary>
    public static int ReportUnexpected(Exception exception)
    {
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        return exception is KubeAccessException or HttpRequestException or System.Net.Sockets.SocketException or IOException
            or WebSocketException or System.Security.Authentication.AuthenticationException
            ? ReportError(exception)
            : ReportError(new KubeAccessException($"{exception.GetType().Name}: {OneLine(exception.Message)}", exception));
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>A connection that also disposes the logging it was created with (so warnings are flushed).</summary>
    private sealed class OwnedConnection(IKubeConnection inner, ServiceProvider provider) : IKubeConnection
    {
        public KubeEndpoint Endpoint => inner.Endpoint;

        public Uri Server => inner.Server;

        public string Namespace => inner.Namespace;

        public HttpMessageHandler Handler => inner.Handler;

        public HttpClient Http => inner.Http;

        public IKubernetes Client => inner.Client;

        public ILoggerFactory LoggerFactory => provider.GetRequiredService<ILoggerFactory>();

        public ValueTask<WebSocket> ConnectWebSocketAsync(string pathAndQuery, IReadOnlyList<string> subProtocols, CancellationToken cancellationToken) =>
            inner.ConnectWebSocketAsync(pathAndQuery, subProtocols, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await provider.DisposeAsync().ConfigureAwait(false);
        }
    }
}
