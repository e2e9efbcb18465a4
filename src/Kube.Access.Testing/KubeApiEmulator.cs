using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Kube.Access.Testing.Http;
using Kube.Access.Testing.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kube.Access.Testing;

/// <summary>
/// An in-process Kubernetes API server for tests: discovery, CRUD with watch, selectors and paging,
/// apiserver-like defaulting and controllers, HTTPS with token, client-certificate and basic auth.
/// kubectl and KubernetesClient work against it. Start one with <see cref="StartAsync(KubeApiEmulatorOptions?, CancellationToken)"/>.
/// </summary>
public sealed partial class KubeApiEmulator : IAsyncDisposable
{
    private const string AdminUser = "kube-access-admin";
    private static readonly string[] MasterGroups = ["system:masters", "system:authenticated"];

    private readonly KubeApiEmulatorOptions _options;
    private readonly EmulatorState _state;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stoppingSource = new();
    private readonly CancellationToken _stopping;
    private readonly CertificateAuthority? _ca;
    private readonly ConcurrentDictionary<string, EmulatorUser> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (EmulatorUser User, DateTimeOffset Expires)> _serviceAccountTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Password, EmulatorUser User)> _basicUsers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RecordedRequestEntry> _requests = new();
    private readonly ConcurrentQueue<EmulatorServerError> _unexpectedErrors = new();
    private readonly ListHandler _list;
    private readonly WatchHandler _watch;
    private readonly string _tempDirectory;
    private readonly object _tokenFileGate = new();
    private readonly bool _allowAnonymous;
    private (DateTime WriteTime, long Length, string? Token) _tokenFileState;
    private (string Cert, string Key)? _adminClientCert;
    private (string User, string Password)? _kubeconfigBasicUser;
    private WebApplication? _app;
    private int _disposed;

    private KubeApiEmulator(KubeApiEmulatorOptions options)
    {
        _options = options;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KubeApiEmulator>();
        _stopping = _stoppingSource.Token;
        _state = new EmulatorState(options);
        _ = new Defaults(_state);
        InitializeStreaming();
        Controllers = new Controllers(_state, _logger, _stopping);
        _list = new ListHandler(_state);
        _watch = new WatchHandler(_state, _logger, _stopping);
        _allowAnonymous = options.AllowAnonymous ?? !options.Https;
        if (options.Https)
        {
            _ca = new CertificateAuthority();
            Controllers.CaPem = _ca.CertificatePem;
        }
        DefaultToken = options.DefaultToken ?? "kube-access-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        _tokens[DefaultToken] = new EmulatorUser(AdminUser, MasterGroups);
        _tempDirectory = Path.Combine(Path.GetTempPath(), "kube-access-emulator-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_tempDirectory);
        TokenFile = Path.Combine(_tempDirectory, "token");
        WriteSecretFile(TokenFile, "kube-access-file-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant());
    }

    internal Controllers Controllers { get; }

    internal EmulatorState State => _state;

    /// <summary>The base URL, e.g. <c>https://127.0.0.1:41234</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The CA certificate (PEM) that signed the serving certificate; <c>null</c> on plain HTTP.</summary>
    public string? CertificateAuthorityPem => _ca?.CertificatePem;

    /// <summary>A bearer token accepted from the start (user <c>kube-access-admin</c>, group <c>system:masters</c>).</summary>
    public string DefaultToken { get; }

    /// <summary>A file whose content (trimmed) is an accepted bearer token; it is re-read whenever it changes, so rotation can be tested.</summary>
    public string TokenFile { get; }

    /// <summary>The requests received so far (oldest first, at most <see cref="KubeApiEmulatorOptions.MaxRecordedRequests"/>).</summary>
    public IReadOnlyList<EmulatorRequest> Requests => _requests.Select(r => r.ToRecord()).ToList();

    /// <summary>
    /// The requests the emulator failed on with an exception of its own (a bug of the emulator, not
    /// a refusal of the request), oldest first. The client got a 500 <c>InternalError</c>; with
    /// <see cref="KubeApiEmulatorOptions.FailOnUnexpectedErrors"/> (the default) disposing the emulator throws them.
    /// </summary>
    public IReadOnlyList<EmulatorServerError> UnexpectedErrors => _unexpectedErrors.ToArray();

    /// <summary>Starts an emulator listening on loopback; dispose it to stop.</summary>
    /// <param name="options">The options (default: plain HTTP, ephemeral port, empty scenario).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="KubeApiEmulatorException">The options are invalid or the port cannot be bound.</exception>
    public static async Task<KubeApiEmulator> StartAsync(KubeApiEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KubeApiEmulatorOptions();
        if (options.Port is < 0 or > 65535)
        {
            throw new KubeApiEmulatorException($"KubeApiEmulatorOptions.Port must be between 0 and 65535 (was {options.Port}).");
        }
        if (options.SyntheticPods < 0)
        {
            throw new KubeApiEmulatorException($"KubeApiEmulatorOptions.SyntheticPods must not be negative (was {options.SyntheticPods}).");
        }
        if (options.SyntheticNamespaces < 1)
        {
            throw new KubeApiEmulatorException($"KubeApiEmulatorOptions.SyntheticNamespaces must be at least 1 (was {options.SyntheticNamespaces}).");
        }
        if (options.LoadBalancerDelay < TimeSpan.Zero)
        {
            throw new KubeApiEmulatorException("KubeApiEmulatorOptions.LoadBalancerDelay must not be negative.");
        }
        var emulator = new KubeApiEmulator(options);
        try
        {
            await emulator.StartServerAsync(cancellationToken).ConfigureAwait(false);
            Scenarios.Seed(emulator, options);
            return emulator;
        }
        catch
        {
            await emulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        if (_options.LoggerFactory is not null)
        {
            builder.Services.AddSingleton(_options.LoggerFactory);
        }
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddWebSockets(_ => { });
        // Not the console lifetime: the process embedding the emulator keeps SIGINT/SIGTERM to itself.
        builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, NoSignalLifetime>());
        X509Certificate2? serving = _ca?.CreateServingCertificate();
        var address = _options.UseIPv6Loopback ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            k.Limits.MinResponseDataRate = null;
            k.Listen(address, _options.Port, listen =>
            {
                if (serving is not null)
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = serving,
                        ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate,
                        ClientCertificateValidation = (_, _, _) => true,
                        CheckCertificateRevocation = false,
                    });
                }
                else
                {
                    listen.Protocols = HttpProtocols.Http1;
                }
            });
        });
#if NET10_0_OR_GREATER
        // Registered after UseKestrel so that it replaces Kestrel's 4 KiB-block pool: one socket receive then
        // takes a whole WebSocket frame instead of 2-4 KiB (16x fewer receive calls on streaming subresources).
        builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IMemoryPoolFactory<byte>, Internal.LargeBlockMemoryPoolFactory>();
#endif
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(HandleAsync);
        _app = app;
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new KubeApiEmulatorException($"The emulator could not listen on {address}:{_options.Port}: {e.Message}", e);
        }
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
        var host = _options.UseIPv6Loopback ? "[::1]" : "127.0.0.1";
        Url = new Uri($"{(serving is null ? "http" : "https")}://{host}:{port.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>Accepts another bearer token.</summary>
    /// <param name="token">The token.</param>
    /// <param name="user">The user it authenticates (default <c>token-user</c>).</param>
    /// <param name="groups">The user's groups (default <c>system:masters</c>).</param>
    public void AddToken(string token, string user = "token-user", IEnumerable<string>? groups = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentException.ThrowIfNullOrEmpty(user);
        _tokens[token] = new EmulatorUser(user, WithAuthenticated(groups ?? ["system:masters"]));
    }

    /// <summary>Stops accepting a bearer token (the default token too).</summary>
    /// <returns>Whether the token was accepted before.</returns>
    public bool RevokeToken(string token) => _tokens.TryRemove(token, out _) | _serviceAccountTokens.TryRemove(token, out _);

    /// <summary>Accepts a basic-auth user.</summary>
    /// <param name="user">The user name.</param>
    /// <param name="password">The password.</param>
    /// <param name="groups">The user's groups (default <c>system:masters</c>).</param>
    public void AddBasicUser(string user, string password, IEnumerable<string>? groups = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(password);
        _basicUsers[user] = (password, new EmulatorUser(user, WithAuthenticated(groups ?? ["system:masters"])));
    }

    /// <summary>Issues a client certificate signed by the emulator's CA (HTTPS only).</summary>
    /// <param name="user">The user (certificate CN).</param>
    /// <param name="groups">The groups (certificate O values).</param>
    /// <param name="ec">An ECDSA P-256 key instead of RSA 2048.</param>
    /// <returns>The certificate and its PKCS#8 private key, as PEM.</returns>
    /// <exception cref="KubeApiEmulatorException">The emulator serves plain HTTP.</exception>
    public (string CertificatePem, string KeyPem) CreateClientCertificate(string user, IEnumerable<string>? groups = null, bool ec = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        if (_ca is null)
        {
            throw new KubeApiEmulatorException("Client certificates need an HTTPS emulator (KubeApiEmulatorOptions.Https = true).");
        }
        return _ca.CreateClientCertificate(user, groups ?? [], ec);
    }

    private static IReadOnlyList<string> WithAuthenticated(IEnumerable<string> groups)
    {
        var list = groups.ToList();
        if (!list.Contains("system:authenticated"))
        {
            list.Add("system:authenticated");
        }
        return list;
    }

    internal string IssueServiceAccountToken(string user, IReadOnlyList<string> groups, DateTimeOffset expires)
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var parts = user.Split(':');
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = "kube-access-emulator" };
        var now = DateTimeOffset.UtcNow;
        var payload = new JsonObject
        {
            ["aud"] = new JsonArray("https://kubernetes.default.svc.cluster.local"),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["iss"] = "https://kubernetes.default.svc.cluster.local",
            ["jti"] = Guid.NewGuid().ToString(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["sub"] = user,
            ["kubernetes.io"] = new JsonObject
            {
                ["namespace"] = parts.Length > 2 ? parts[2] : "",
                ["serviceaccount"] = new JsonObject { ["name"] = parts.Length > 3 ? parts[3] : "" },
            },
        };
        var token = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64(Encoding.UTF8.GetBytes(payload.ToJsonString())) + "." + B64(RandomNumberGenerator.GetBytes(64));
        _serviceAccountTokens[token] = (new EmulatorUser(user, groups), expires);
        return token;
    }

    // ---------------- authentication ----------------

    private EmulatorUser? Authenticate(HttpContext context)
    {
        var cert = context.Connection.ClientCertificate;
        if (cert is not null && _ca is not null)
        {
            var user = _ca.Verify(cert);
            if (user is not null)
            {
                return user;
            }
            // An unknown certificate does not authenticate; other credentials may still do.
        }
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return AuthenticateToken(authorization[7..].Trim());
            }
            if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
                    var colon = decoded.IndexOf(':');
                    if (colon > 0 && _basicUsers.TryGetValue(decoded[..colon], out var entry)
                        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(entry.Password), Encoding.UTF8.GetBytes(decoded[(colon + 1)..])))
                    {
                        return entry.User;
                    }
                }
                catch (FormatException)
                {
                }
                return null;
            }
            return null;
        }
        return _allowAnonymous ? new EmulatorUser("system:anonymous", ["system:unauthenticated"]) : null;
    }

    private EmulatorUser? AuthenticateToken(string token)
    {
        if (_tokens.TryGetValue(token, out var user))
        {
            return user;
        }
        if (_serviceAccountTokens.TryGetValue(token, out var sa))
        {
            return sa.Expires > DateTimeOffset.UtcNow ? sa.User : null;
        }
        var fileToken = ReadTokenFile();
        return fileToken is not null && fileToken.Length > 0 && fileToken == token
            ? new EmulatorUser("token-file-user", MasterGroups)
            : null;
    }

    private string? ReadTokenFile()
    {
        try
        {
            var info = new FileInfo(TokenFile);
            if (!info.Exists)
            {
                return null;
            }
            lock (_tokenFileGate)
            {
                if (_tokenFileState.Token is null || info.LastWriteTimeUtc != _tokenFileState.WriteTime || info.Length != _tokenFileState.Length)
                {
                    var text = File.ReadAllText(TokenFile).Trim();
                    _tokenFileState = (info.LastWriteTimeUtc, info.Length, text);
                }
                return _tokenFileState.Token;
            }
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private EmulatorUser Impersonate(HttpContext context, EmulatorUser user)
    {
        var headers = context.Request.Headers;
        var impersonateUser = headers["Impersonate-User"].ToString();
        var impersonateGroups = headers["Impersonate-Group"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (impersonateUser.Length == 0)
        {
            if (impersonateGroups.Count > 0)
            {
                throw ApiException.BadRequest("requested [" + string.Join(' ', impersonateGroups.Select(g => $"{{Group  {g}  authentication.k8s.io/v1  }}")) + "] without impersonating a user");
            }
            return user;
        }
        CheckAccess(new EmulatorAccessRequest(user.Name, user.Groups, "impersonate", "", "users", null, null, impersonateUser));
        foreach (var g in impersonateGroups)
        {
            CheckAccess(new EmulatorAccessRequest(user.Name, user.Groups, "impersonate", "", "groups", null, null, g));
        }
        return new EmulatorUser(impersonateUser, WithAuthenticated(impersonateGroups));
    }

    private void Authorize(EmulatorUser user, RequestInfo info)
    {
        if (_options.Authorize is null)
        {
            return;
        }
        var request = info.IsResourceRequest
            ? new EmulatorAccessRequest(user.Name, user.Groups, info.Verb, info.Group, info.Resource, info.Subresource, info.Namespace, info.Name)
            : new EmulatorAccessRequest(user.Name, user.Groups, info.Verb, "", info.Path, null, null, null);
        CheckAccess(request);
    }

    private void CheckAccess(EmulatorAccessRequest request)
    {
        if (_options.Authorize is { } authorize && !authorize(request))
        {
            throw ApiException.Forbidden(request);
        }
    }

    // ---------------- request recording ----------------

    private RecordedRequestEntry? Record(HttpContext context, EmulatorUser? user)
    {
        if (!_options.RecordRequests)
        {
            return null;
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in context.Request.Headers)
        {
            headers[h.Key.ToLowerInvariant()] = h.Value.ToString();
        }
        var entry = new RecordedRequestEntry
        {
            Method = context.Request.Method,
            PathAndQuery = context.Request.Path.Value + context.Request.QueryString.Value,
            Headers = headers,
            User = user?.Name,
            ImpersonatedUser = headers.TryGetValue("impersonate-user", out var iu) ? iu : null,
            ImpersonatedGroups = context.Request.Headers["Impersonate-Group"].Select(v => v ?? "").ToList(),
        };
        _requests.Enqueue(entry);
        while (_requests.Count > _options.MaxRecordedRequests && _requests.TryDequeue(out _))
        {
        }
        return entry;
    }

    /// <summary>Forgets the recorded requests.</summary>
    public void ClearRequests() => _requests.Clear();

    private sealed class RecordedRequestEntry
    {
        public required string Method { get; init; }
        public required string PathAndQuery { get; init; }
        public required IReadOnlyDictionary<string, string> Headers { get; init; }
        public string? User { get; set; }
        public string? ImpersonatedUser { get; init; }
        public required IReadOnlyList<string> ImpersonatedGroups { get; init; }
        public int StatusCode { get; set; }

        public EmulatorRequest ToRecord() => new(Method, PathAndQuery, Headers, User, ImpersonatedUser, ImpersonatedGroups, StatusCode);
    }

    // ---------------- kubeconfig ----------------

    /// <summary>Writes a kubeconfig that reaches this emulator (written to a temporary file, then moved into place).</summary>
    /// <param name="path">Where to write it (directories are created).</param>
    /// <param name="auth">How it authenticates (default: the bearer token).</param>
    /// <param name="contextName">The name of its cluster, user and context.</param>
    /// <param name="namespace">The context's namespace, if any.</param>
    /// <exception cref="KubeApiEmulatorException">Client certificates were asked of a plain-HTTP emulator.</exception>
    public void WriteKubeconfig(string path, EmulatorAuth auth = EmulatorAuth.Token, string contextName = "emulator", string? @namespace = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var yaml = GetKubeconfig(auth, contextName, @namespace);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        var temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        WriteSecretFile(temp, yaml);
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>Writes a new file readable by its owner only (0600, as kubectl writes kubeconfigs): it holds a credential.</summary>
    private static void WriteSecretFile(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var writer = new StreamWriter(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
        writer.Write(content);
    }

    /// <summary>The kubeconfig YAML that <see cref="WriteKubeconfig"/> writes.</summary>
    /// <param name="auth">How it authenticates.</param>
    /// <param name="contextName">The name of its cluster, user and context.</param>
    /// <param name="namespace">The context's namespace, if any.</param>
    public string GetKubeconfig(EmulatorAuth auth = EmulatorAuth.Token, string contextName = "emulator", string? @namespace = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(contextName);
        var sb = new StringBuilder();
        sb.Append("apiVersion: v1\nkind: Config\nclusters:\n- name: ").Append(Quote(contextName)).Append("\n  cluster:\n    server: ").Append(Url.ToString().TrimEnd('/')).Append('\n');
        if (_ca is not null)
        {
            sb.Append("    certificate-authority-data: ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(_ca.CertificatePem))).Append('\n');
        }
        sb.Append("users:\n- name: ").Append(Quote(contextName)).Append("\n  user:");
        switch (auth)
        {
            case EmulatorAuth.Token:
                sb.Append("\n    token: ").Append(Quote(DefaultToken)).Append('\n');
                break;
            case EmulatorAuth.ClientCertificate:
            {
                var pair = AdminClientCertificate();
                sb.Append("\n    client-certificate-data: ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(pair.Cert)));
                sb.Append("\n    client-key-data: ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(pair.Key))).Append('\n');
                break;
            }
            case EmulatorAuth.Basic:
            {
                var (user, password) = KubeconfigBasicUser();
                sb.Append("\n    username: ").Append(Quote(user));
                sb.Append("\n    password: ").Append(Quote(password)).Append('\n');
                break;
            }
            case EmulatorAuth.TokenFile:
                sb.Append("\n    tokenFile: ").Append(Quote(TokenFile)).Append('\n');
                break;
            case EmulatorAuth.None:
                sb.Append(" {}\n");
                break;
            default:
                throw new KubeApiEmulatorException($"Unknown EmulatorAuth value {(int)auth}.");
        }
        sb.Append("contexts:\n- name: ").Append(Quote(contextName)).Append("\n  context:\n    cluster: ").Append(Quote(contextName)).Append("\n    user: ").Append(Quote(contextName)).Append('\n');
        if (!string.IsNullOrEmpty(@namespace))
        {
            sb.Append("    namespace: ").Append(Quote(@namespace)).Append('\n');
        }
        sb.Append("current-context: ").Append(Quote(contextName)).Append("\npreferences: {}\n");
        return sb.ToString();
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    // ---------------- objects (for the CLI, the tour and tests) ----------------

    /// <summary>Creates an object from its JSON (as <c>kubectl create -f</c> would); returns the stored object.</summary>
    /// <param name="json">The object, with <c>apiVersion</c> and <c>kind</c>.</param>
    /// <exception cref="KubeApiEmulatorException">The JSON is not a known kind, or the object is invalid or already exists.</exception>
    public JsonObject CreateObject(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var node = JsonUtil.Parse(Encoding.UTF8.GetBytes(json));
            var apiVersion = JsonUtil.Str(node["apiVersion"]) ?? "";
            var kind = JsonUtil.Str(node["kind"]) ?? "";
            var def = ResourceCatalog.All.FirstOrDefault(d => d.ApiVersion == apiVersion && d.Kind == kind)
                ?? throw new KubeApiEmulatorException($"The emulator does not serve kind \"{kind}\" in \"{apiVersion}\".");
            var ns = def.Namespaced ? JsonUtil.Str(node["metadata"]?["namespace"]) ?? "default" : null;
            return _state.Create(def, ns, node);
        }
        catch (ApiException e)
        {
            throw new KubeApiEmulatorException(e.Message, e);
        }
    }

    /// <summary>Finds an object by resource (plural, e.g. <c>pods</c> or <c>deployments</c>), namespace and name.</summary>
    /// <returns>A copy of the object, or <c>null</c>.</returns>
    public JsonObject? GetObject(string resource, string? @namespace, string name)
        => TryGetObject(resource, @namespace, name, out var obj) ? obj : null;

    /// <summary>The names of the objects of a resource (plural), optionally in one namespace, in storage order.</summary>
    public IReadOnlyList<string> ListNames(string resource, string? @namespace = null)
    {
        var def = ResourceCatalog.All.FirstOrDefault(d => d.Plural == resource)
            ?? throw new KubeApiEmulatorException($"The emulator does not serve resource \"{resource}\".");
        return _state.Store(def).Snapshot.Range(def.Namespaced ? @namespace : null).Select(o => o.Name).ToList();
    }

    /// <summary>Finds an object (a copy) by resource plural, namespace and name.</summary>
    internal bool TryGetObject(string resource, string? ns, string name, out JsonObject obj)
    {
        var def = ResourceCatalog.All.FirstOrDefault(d => d.Plural == resource);
        if (def is not null && _state.Store(def).TryGet(def.Namespaced ? ns ?? "" : "", name, out var stored))
        {
            obj = stored.ToNode();
            return true;
        }
        obj = null!;
        return false;
    }

    // ---------------- lifetime ----------------

    /// <summary>Stops the server, ends open watches and deletes the emulator's temporary files.</summary>
    /// <exception cref="KubeApiEmulatorException">
    /// <see cref="KubeApiEmulatorOptions.FailOnUnexpectedErrors"/> is set and the emulator failed on a request
    /// with an exception of its own (listed in <see cref="UnexpectedErrors"/>); everything is stopped first.
    /// </exception>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stoppingSource.CancelAsync().ConfigureAwait(false);
        foreach (var s in _state.Stores)
        {
            s.CloseWatchers();
        }
        if (_app is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _app.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        await DisposeStreamingAsync().ConfigureAwait(false);
        _ca?.Dispose();
        _stoppingSource.Dispose();
        try
        {
            Directory.Delete(_tempDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        if (_options.FailOnUnexpectedErrors && !_unexpectedErrors.IsEmpty)
        {
            var errors = _unexpectedErrors.ToArray();
            throw new KubeApiEmulatorException(
                $"The emulator failed on {errors.Length} request(s) with an exception of its own (a bug of the emulator): "
                + string.Join("; ", errors.Select(e => $"{e.Method} {e.PathAndQuery}: {e.Exception.GetType().Name}: {e.Exception.Message}")),
                new AggregateException(errors.Select(e => e.Exception)));
        }
    }
}
