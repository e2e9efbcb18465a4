using System.Buffers;
using Kube.Access.Kubeconfig.Yaml;

namespace Kube.Access.Kubeconfig;

/// <summary>
/// Turns kubeconfig YAML into a <see cref="Kubeconfig"/> with kubectl's typing rules (YAML 1.1
/// scalars: <c>yes</c>/<c>y</c>/<c>on</c> are booleans, so a string field holding one is an error).
/// </summary>
public static class KubeconfigParser
{
    /// <summary>Parses one kubeconfig document.</summary>
    /// <param name="yaml">The YAML (or JSON) text.</param>
    /// <param name="file">The file name, for errors and <see cref="KubeconfigEntry.Source"/>.</param>
    /// <exception cref="KubeconfigException">The text is not a valid kubeconfig; names file, line, column and field.</exception>
    public static Kubeconfig Parse(string yaml, string? file = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var root = YamlReader.Read(yaml, file);
        return FromNode(root, file);
    }

    /// <summary>Reads and parses one kubeconfig file.</summary>
    /// <exception cref="KubeconfigException">The file cannot be read or is not a valid kubeconfig.</exception>
    public static async Task<Kubeconfig> ParseFileAsync(string path, CancellationToken cancellationToken = default)
    {
        string text;
        try
        {
            text = await ReadTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeconfigException($"cannot read the kubeconfig: {e.Message}", path, innerException: e);
        }

        return Parse(text, path);
    }

    /// <summary>The largest kubeconfig accepted, in characters: 32 MiB (kubectl sets none; this is hundreds of times any real one).</summary>
    public const int MaxDocumentLength = YamlReader.MaxDocumentLength;

    /// <summary>The deepest YAML nesting accepted, counted through aliases.</summary>
    public const int MaxNestingDepth = YamlReader.MaxDepth;

    /// <summary>
    /// Reads a file's text (BOM-detected, UTF-8 by default) but never more than <see cref="MaxDocumentLength"/>
    /// characters, so that a huge file (or an endless pipe) is refused before it fills memory.
    /// </summary>
    /// <exception cref="KubeconfigException">The file is larger than the limit; names the line where it was crossed.</exception>
    internal static async Task<string> ReadTextAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var text = new System.Text.StringBuilder();
            var buffer = ArrayPool<char>.Shared.Rent(64 * 1024);
            try
            {
                int read;
                while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (text.Length + read > MaxDocumentLength)
                    {
                        text.Append(buffer, 0, MaxDocumentLength - text.Length);
                        var s = text.ToString();
                        throw new KubeconfigException($"document larger than the limit of {MaxDocumentLength} characters", path, YamlReader.LineAt(s, s.Length), 1);
                    }

                    text.Append(buffer, 0, read);
                }
            }
            finally
            {
                ArrayPool<char>.Shared.Return(buffer);
            }

            return text.ToString();
        }
    }

    internal static Kubeconfig FromNode(KubeconfigNode? root, string? file)
    {
        var files = file is null ? Array.Empty<string>() : new[] { file };
        if (root is null || root is KubeconfigScalarNode { Kind: KubeconfigScalarKind.Null })
        {
            return new Kubeconfig { Files = files };
        }

        var ctx = new Reader(file);
        if (root is not KubeconfigMappingNode map)
        {
            throw ctx.Error(root, null, "a kubeconfig must be a YAML mapping");
        }

        var unknown = new List<KeyValuePair<string, KubeconfigNode>>();
        var clusters = new Dictionary<string, KubeconfigCluster>(StringComparer.Ordinal);
        var users = new Dictionary<string, KubeconfigUser>(StringComparer.Ordinal);
        var contexts = new Dictionary<string, KubeconfigContext>(StringComparer.Ordinal);
        string? current = null;
        var preferences = new KubeconfigPreferences();
        IReadOnlyList<KubeconfigExtension> extensions = [];
        foreach (var (key, value) in Dedupe(map))
        {
            switch (key)
            {
                case "kind":
                {
                    var kind = ctx.String(value, "kind");
                    if (!string.IsNullOrEmpty(kind) && kind != "Config")
                    {
                        throw ctx.Error(value, "kind", $"kind must be Config, not '{kind}'");
                    }

                    break;
                }

                case "apiVersion":
                {
                    var version = ctx.String(value, "apiVersion");
                    if (!string.IsNullOrEmpty(version) && version != "v1")
                    {
                        throw ctx.Error(value, "apiVersion", $"apiVersion must be v1, not '{version}'");
                    }

                    break;
                }

                case "current-context":
                    current = NullIfEmpty(ctx.String(value, key));
                    break;
                case "preferences":
                    preferences = ctx.Preferences(value, key);
                    break;
                case "extensions":
                    extensions = ctx.Extensions(value, key);
                    break;
                case "clusters":
                    ctx.Named(value, key, "cluster", clusters, (body, name, source, path) => ctx.Cluster(body, name, source, path));
                    break;
                case "users":
                    ctx.Named(value, key, "user", users, (body, name, source, path) => ctx.User(body, name, source, path));
                    break;
                case "contexts":
                    ctx.Named(value, key, "context", contexts, (body, name, source, path) => ctx.Context(body, name, source, path));
                    break;
                default:
                    unknown.Add(new(key, value));
                    break;
            }
        }

        return new Kubeconfig
        {
            Clusters = clusters.Values.ToArray(),
            Users = users.Values.ToArray(),
            Contexts = contexts.Values.ToArray(),
            CurrentContext = current,
            Preferences = preferences,
            Extensions = extensions,
            UnknownFields = unknown,
            Files = files,
        };
    }

    internal static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static IEnumerable<KeyValuePair<string, KubeconfigNode>> Dedupe(KubeconfigMappingNode map)
    {
        if (map.Entries.Count < 2)
        {
            return map.Entries;
        }

        var duplicates = false;
        var entries = map.Entries;
        if (entries.Count <= 16)
        {
            for (var i = 1; i < entries.Count && !duplicates; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (string.Equals(entries[i].Key, entries[j].Key, StringComparison.Ordinal))
                    {
                        duplicates = true;
                        break;
                    }
                }
            }
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in entries)
            {
                if (!seen.Add(e.Key))
                {
                    duplicates = true;
                    break;
                }
            }
        }

        if (!duplicates)
        {
            return map.Entries;
        }

        // Later keys win, at the position of their last occurrence.
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < map.Entries.Count; i++)
        {
            last[map.Entries[i].Key] = i;
        }

        return map.Entries.Where((e, i) => last[e.Key] == i).ToArray();
    }

    private sealed class Reader(string? file)
    {
        public KubeconfigException Error(KubeconfigNode node, FieldPath? field, string reason) =>
            new(reason, file, node.Line, node.Column, field?.ToString());

        private static string Describe(KubeconfigNode node) => node switch
        {
            KubeconfigMappingNode => "a mapping",
            KubeconfigSequenceNode => "a list",
            KubeconfigScalarNode { Kind: KubeconfigScalarKind.Bool } s => $"the boolean '{s.Value}' (quote it to make it a string)",
            KubeconfigScalarNode { Kind: KubeconfigScalarKind.Int or KubeconfigScalarKind.Float } s => $"the number '{s.Value}' (quote it to make it a string)",
            KubeconfigScalarNode s => $"the string '{s.Value}'",
            _ => "something else",
        };

        public string? String(KubeconfigNode node, FieldPath field) => node switch
        {
            KubeconfigScalarNode { Kind: KubeconfigScalarKind.Null } => null,
            KubeconfigScalarNode { Kind: KubeconfigScalarKind.String } s => s.Value,
            _ => throw Error(node, field, $"expected a string, found {Describe(node)}"),
        };

        public bool Bool(KubeconfigNode node, FieldPath field) => node switch
        {
            KubeconfigScalarNode { Kind: KubeconfigScalarKind.Null } => false,
            KubeconfigScalarNode { Kind: KubeconfigScalarKind.Bool } s => YamlReader.IsTrue(s.Value),
            _ => throw Error(node, field, $"expected a boolean, found {Describe(node)}"),
        };

        public byte[]? Bytes(KubeconfigNode node, FieldPath field)
        {
            var text = String(node, field);
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }

            var clean = text.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal);
            var buffer = ArrayPool<byte>.Shared.Rent((clean.Length * 3 / 4) + 3);
            try
            {
                if (clean.Length % 4 != 0 || clean.Contains(' ', StringComparison.Ordinal) || clean.Contains('\t', StringComparison.Ordinal)
                    || !Convert.TryFromBase64String(clean, buffer, out var written))
                {
                    throw Error(node, field, "expected base64 data (standard alphabet, padded)");
                }

                return buffer.AsSpan(0, written).ToArray();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        public KubeconfigMappingNode? Map(KubeconfigNode node, FieldPath field) => node switch
        {
            KubeconfigScalarNode { Kind: KubeconfigScalarKind.Null } => null,
            KubeconfigMappingNode m => m,
            _ => throw Error(node, field, $"expected a mapping, found {Describe(node)}"),
        };

        public KubeconfigSequenceNode? Seq(KubeconfigNode node, FieldPath field) => node switch
        {
            KubeconfigScalarNode { Kind: KubeconfigScalarKind.Null } => null,
            KubeconfigSequenceNode s => s,
            _ => throw Error(node, field, $"expected a list, found {Describe(node)}"),
        };

        public IReadOnlyList<string>? StringList(KubeconfigNode node, FieldPath field)
        {
            var seq = Seq(node, field);
            if (seq is null)
            {
                return null;
            }

            var list = new string[seq.Items.Count];
            for (var i = 0; i < list.Length; i++)
            {
                list[i] = String(seq.Items[i], $"{field}[{i}]") ?? string.Empty;
            }

            return list;
        }

        public void Named<T>(KubeconfigNode node, string listField, string bodyField, Dictionary<string, T> into, Func<KubeconfigNode?, string, KubeconfigSource?, string, T> build)
        {
            var seq = Seq(node, listField);
            if (seq is null)
            {
                return;
            }

            for (var i = 0; i < seq.Items.Count; i++)
            {
                var path = $"{listField}[{i}]";
                var item = Map(seq.Items[i], path);
                if (item is null)
                {
                    continue;
                }

                string? name = null;
                KubeconfigNode? body = null;
                foreach (var (key, value) in Dedupe(item))
                {
                    if (key == "name")
                    {
                        name = String(value, path + ".name");
                    }
                    else if (key == bodyField)
                    {
                        body = value;
                    }
                }

                name ??= string.Empty;
                if (into.ContainsKey(name))
                {
                    // kubectl: error converting *[]NamedContext into *map[string]*api.Context: duplicate name "x" in list
                    throw Error(item, path + ".name", $"duplicate name \"{name}\" in {listField}");
                }

                var source = file is null ? null : new KubeconfigSource(file, item.Line, item.Column);
                into[name] = build(body, name, source, $"{path}.{bodyField}");
            }
        }

        public IReadOnlyList<KubeconfigExtension> Extensions(KubeconfigNode node, FieldPath field)
        {
            var seq = Seq(node, field);
            if (seq is null || seq.Items.Count == 0)
            {
                return [];
            }

            var byName = new Dictionary<string, KubeconfigExtension>(StringComparer.Ordinal);
            for (var i = 0; i < seq.Items.Count; i++)
            {
                var item = Map(seq.Items[i], $"{field}[{i}]");
                if (item is null)
                {
                    continue;
                }

                var name = item["name"] is { } n ? String(n, $"{field}[{i}].name") ?? string.Empty : string.Empty;
                // kubectl accepts duplicate extension names (the last one wins), unlike duplicate entries.
                byName.Remove(name);
                byName[name] = new KubeconfigExtension(name, item["extension"] ?? KubeconfigScalarNode.Null);
            }

            return byName.Values.ToArray();
        }

        public KubeconfigPreferences Preferences(KubeconfigNode node, FieldPath field)
        {
            var map = Map(node, field);
            if (map is null)
            {
                return new KubeconfigPreferences();
            }

            var colors = false;
            IReadOnlyList<KubeconfigExtension> extensions = [];
            List<KeyValuePair<string, KubeconfigNode>>? unknown = null;
            foreach (var (key, value) in Dedupe(map))
            {
                switch (key)
                {
                    case "colors": colors = Bool(value, field + ".colors"); break;
                    case "extensions": extensions = Extensions(value, field + ".extensions"); break;
                    default: (unknown ??= []).Add(new(key, value)); break;
                }
            }

            return new KubeconfigPreferences { Colors = colors, Extensions = extensions, UnknownFields = (IReadOnlyList<KeyValuePair<string, KubeconfigNode>>?)unknown ?? [] };
        }

        public KubeconfigCluster Cluster(KubeconfigNode? node, string name, KubeconfigSource? source, string path)
        {
            var map = node is null ? null : Map(node, path);
            var c = new KubeconfigCluster { Name = name, Source = source };
            if (map is null)
            {
                return c;
            }

            List<KeyValuePair<string, KubeconfigNode>>? unknown = null;
            foreach (var (key, value) in Dedupe(map))
            {
                var f = new FieldPath(path, key);
                c = key switch
                {
                    "server" => c with { Server = NullIfEmpty(String(value, f)) },
                    "tls-server-name" => c with { TlsServerName = NullIfEmpty(String(value, f)) },
                    "insecure-skip-tls-verify" => c with { InsecureSkipTlsVerify = Bool(value, f) },
                    "certificate-authority" => c with { CertificateAuthority = NullIfEmpty(String(value, f)) },
                    "certificate-authority-data" => c with { CertificateAuthorityData = Bytes(value, f) },
                    "proxy-url" => c with { ProxyUrl = NullIfEmpty(String(value, f)) },
                    "disable-compression" => c with { DisableCompression = Bool(value, f) },
                    "extensions" => c with { Extensions = Extensions(value, f) },
                    _ => AddUnknown(ref unknown, key, value, c),
                };
            }

            return unknown is null ? c : c with { UnknownFields = unknown };
        }

        private static T AddUnknown<T>(ref List<KeyValuePair<string, KubeconfigNode>>? unknown, string key, KubeconfigNode value, T same)
        {
            (unknown ??= []).Add(new(key, value));
            return same;
        }

        public KubeconfigContext Context(KubeconfigNode? node, string name, KubeconfigSource? source, string path)
        {
            var map = node is null ? null : Map(node, path);
            var c = new KubeconfigContext { Name = name, Source = source };
            if (map is null)
            {
                return c;
            }

            List<KeyValuePair<string, KubeconfigNode>>? unknown = null;
            foreach (var (key, value) in Dedupe(map))
            {
                var f = new FieldPath(path, key);
                c = key switch
                {
                    "cluster" => c with { Cluster = NullIfEmpty(String(value, f)) },
                    "user" => c with { User = NullIfEmpty(String(value, f)) },
                    "namespace" => c with { Namespace = NullIfEmpty(String(value, f)) },
                    "extensions" => c with { Extensions = Extensions(value, f) },
                    _ => AddUnknown(ref unknown, key, value, c),
                };
            }

            return unknown is null ? c : c with { UnknownFields = unknown };
        }

        public KubeconfigUser User(KubeconfigNode? node, string name, KubeconfigSource? source, string path)
        {
            var map = node is null ? null : Map(node, path);
            var u = new KubeconfigUser { Name = name, Source = source };
            if (map is null)
            {
                return u;
            }

            List<KeyValuePair<string, KubeconfigNode>>? unknown = null;
            foreach (var (key, value) in Dedupe(map))
            {
                var f = new FieldPath(path, key);
                u = key switch
                {
                    "client-certificate" => u with { ClientCertificate = NullIfEmpty(String(value, f)) },
                    "client-certificate-data" => u with { ClientCertificateData = Bytes(value, f) },
                    "client-key" => u with { ClientKey = NullIfEmpty(String(value, f)) },
                    "client-key-data" => u with { ClientKeyData = Bytes(value, f) },
                    "token" => u with { Token = NullIfEmpty(String(value, f)) },
                    "tokenFile" => u with { TokenFile = NullIfEmpty(String(value, f)) },
                    "as" => u with { Impersonate = NullIfEmpty(String(value, f)) },
                    "as-uid" => u with { ImpersonateUid = NullIfEmpty(String(value, f)) },
                    "as-groups" => u with { ImpersonateGroups = EmptyToNull(StringList(value, f)) },
                    "as-user-extra" => u with { ImpersonateUserExtra = UserExtra(value, f) },
                    "username" => u with { Username = NullIfEmpty(String(value, f)) },
                    "password" => u with { Password = NullIfEmpty(String(value, f)) },
                    "auth-provider" => u with { AuthProvider = AuthProvider(value, f) },
                    "exec" => u with { Exec = Exec(value, f) },
                    "extensions" => u with { Extensions = Extensions(value, f) },
                    _ => AddUnknown(ref unknown, key, value, u),
                };
            }

            return unknown is null ? u : u with { UnknownFields = unknown };
        }

        private static IReadOnlyList<string>? EmptyToNull(IReadOnlyList<string>? list) => list is { Count: > 0 } ? list : null;

        private IReadOnlyDictionary<string, IReadOnlyList<string>>? UserExtra(KubeconfigNode node, FieldPath field)
        {
            var map = Map(node, field);
            if (map is null || map.Entries.Count == 0)
            {
                return null;
            }

            var result = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var (key, value) in Dedupe(map))
            {
                result[key] = StringList(value, field + "." + key) ?? [];
            }

            return result;
        }

        private KubeconfigAuthProvider? AuthProvider(KubeconfigNode node, FieldPath field)
        {
            var map = Map(node, field);
            if (map is null)
            {
                return null;
            }

            var provider = new KubeconfigAuthProvider();
            foreach (var (key, value) in Dedupe(map))
            {
                if (key == "name")
                {
                    provider = provider with { Name = String(value, field + ".name") ?? string.Empty };
                }
                else if (key == "config")
                {
                    var config = Map(value, field + ".config");
                    if (config is not null)
                    {
                        var dict = new SortedDictionary<string, string>(StringComparer.Ordinal);
                        foreach (var (k, v) in Dedupe(config))
                        {
                            dict[k] = String(v, field + ".config." + k) ?? string.Empty;
                        }

                        provider = provider with { Config = dict };
                    }
                }
            }

            return provider;
        }

        private KubeconfigExec? Exec(KubeconfigNode node, FieldPath field)
        {
            var map = Map(node, field);
            if (map is null)
            {
                return null;
            }

            var exec = new KubeconfigExec();
            List<KeyValuePair<string, KubeconfigNode>>? unknown = null;
            foreach (var (key, value) in Dedupe(map))
            {
                var f = new FieldPath(field.ToString(), key);
                exec = key switch
                {
                    "command" => exec with { Command = String(value, f) ?? string.Empty },
                    "args" => exec with { Args = StringList(value, f) },
                    "env" => exec with { Env = Env(value, f) },
                    "apiVersion" => exec with { ApiVersion = NullIfEmpty(String(value, f)) },
                    "installHint" => exec with { InstallHint = NullIfEmpty(String(value, f)) },
                    "provideClusterInfo" => exec with { ProvideClusterInfo = Bool(value, f) },
                    "interactiveMode" => exec with { InteractiveMode = NullIfEmpty(String(value, f)) },
                    _ => AddUnknown(ref unknown, key, value, exec),
                };
            }

            // client-go's defaulting: v1alpha1/v1beta1 plugins without a mode are IfAvailable.
            if (exec.InteractiveMode is null && exec.ApiVersion is "client.authentication.k8s.io/v1beta1" or "client.authentication.k8s.io/v1alpha1")
            {
                exec = exec with { InteractiveMode = "IfAvailable" };
            }

            return unknown is null ? exec : exec with { UnknownFields = unknown };
        }

        private IReadOnlyList<KubeconfigExecEnvVar>? Env(KubeconfigNode node, FieldPath field)
        {
            var seq = Seq(node, field);
            if (seq is null)
            {
                return null;
            }

            var list = new List<KubeconfigExecEnvVar>(seq.Items.Count);
            for (var i = 0; i < seq.Items.Count; i++)
            {
                var item = Map(seq.Items[i], $"{field}[{i}]");
                var name = item?["name"] is { } n ? String(n, $"{field}[{i}].name") : null;
                var value = item?["value"] is { } v ? String(v, $"{field}[{i}].value") : null;
                list.Add(new KubeconfigExecEnvVar(name ?? string.Empty, value ?? string.Empty));
            }

            return list;
        }
    }
}

/// <summary>A field path built only when an error needs it.</summary>
internal readonly struct FieldPath(string parent, string? key = null)
{
    public static implicit operator FieldPath(string path) => new(path);

    public override string ToString() => key is null ? parent : parent + "." + key;
}
