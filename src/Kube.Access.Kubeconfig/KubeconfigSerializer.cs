using Kube.Access.Kubeconfig.Yaml;

namespace Kube.Access.Kubeconfig;

/// <summary>Output format of a view.</summary>
public enum KubeconfigOutputFormat
{
    /// <summary>YAML with sorted keys, as <c>kubectl config view</c> prints by default.</summary>
    Yaml,

    /// <summary>JSON in kubectl's field order (<c>-o json</c>).</summary>
    Json,
}

/// <summary>Serializes a <see cref="Kubeconfig"/> exactly in kubectl's (client-go v1) shape.</summary>
internal static class KubeconfigSerializer
{
    public const string RedactedData = "DATA+OMITTED";
    public const string Redacted = "REDACTED";

    public static KubeconfigNode ToNode(Kubeconfig config, bool redact, bool includeUnknown)
    {
        var e = new List<KeyValuePair<string, KubeconfigNode>>(10)
        {
            new("kind", S("Config")),
            new("apiVersion", S("v1")),
            new("preferences", Preferences(config.Preferences, includeUnknown)),
            new("clusters", Named(config.Clusters, "cluster", c => Cluster(c, redact, includeUnknown))),
            new("users", Named(config.Users, "user", u => User(u, redact, includeUnknown))),
            new("contexts", Named(config.Contexts, "context", c => Context(c, includeUnknown))),
            new("current-context", S(config.CurrentContext ?? string.Empty)),
        };
        AddExtensions(e, config.Extensions);
        if (includeUnknown)
        {
            e.AddRange(config.UnknownFields);
        }

        return new KubeconfigMappingNode(e);
    }

    public static string Render(KubeconfigNode node, KubeconfigOutputFormat format) =>
        format == KubeconfigOutputFormat.Json ? YamlWriter.ToJson(node) : YamlWriter.ToYaml(SortKeys(node));

    /// <summary>A canonical text of one entry, to tell whether an edit changed it (client-go's DeepEqual).</summary>
    public static string Fingerprint(KubeconfigEntry entry)
    {
        var node = entry switch
        {
            KubeconfigCluster c => Cluster(c, false, true),
            KubeconfigUser u => User(u, false, true),
            KubeconfigContext c => Context(c, true),
            _ => throw new ArgumentOutOfRangeException(nameof(entry)),
        };
        return YamlWriter.ToJson(node) + "\u0000" + entry.Source?.File;
    }

    public static string Fingerprint(KubeconfigPreferences preferences) => YamlWriter.ToJson(Preferences(preferences, true));

    private static KubeconfigScalarNode S(string value) => KubeconfigScalarNode.String(value);

    private static KubeconfigNode SortKeys(KubeconfigNode node) => node switch
    {
        KubeconfigMappingNode m => new KubeconfigMappingNode(m.Entries
            .OrderBy(x => x.Key, StringComparer.Ordinal)
            .Select(x => new KeyValuePair<string, KubeconfigNode>(x.Key, SortKeys(x.Value)))
            .ToArray()),
        KubeconfigSequenceNode s => new KubeconfigSequenceNode(s.Items.Select(SortKeys).ToArray()),
        _ => node,
    };

    private static KubeconfigNode Named<T>(IReadOnlyList<T> entries, string body, Func<T, KubeconfigNode> build)
        where T : KubeconfigEntry
    {
        if (entries.Count == 0)
        {
            return KubeconfigScalarNode.Null;
        }

        var sorted = entries.ToArray();
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        var items = new KubeconfigNode[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            items[i] = new KubeconfigMappingNode([new("name", S(sorted[i].Name)), new(body, build(sorted[i]))]);
        }

        return new KubeconfigSequenceNode(items);
    }

    private static KubeconfigNode Preferences(KubeconfigPreferences p, bool includeUnknown)
    {
        var e = new List<KeyValuePair<string, KubeconfigNode>>();
        if (p.Colors)
        {
            e.Add(new("colors", KubeconfigScalarNode.Bool(true)));
        }

        AddExtensions(e, p.Extensions);
        if (includeUnknown)
        {
            e.AddRange(p.UnknownFields);
        }

        return new KubeconfigMappingNode(e);
    }

    private static void AddExtensions(List<KeyValuePair<string, KubeconfigNode>> e, IReadOnlyList<KubeconfigExtension> extensions)
    {
        if (extensions.Count == 0)
        {
            return;
        }

        var sorted = extensions.OrderBy(x => x.Name, StringComparer.Ordinal)
            .Select(x => (KubeconfigNode)new KubeconfigMappingNode([new("name", S(x.Name)), new("extension", x.Value)]))
            .ToArray();
        e.Add(new("extensions", new KubeconfigSequenceNode(sorted)));
    }

    private static void Str(List<KeyValuePair<string, KubeconfigNode>> e, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            e.Add(new(key, S(value)));
        }
    }

    private static void Data(List<KeyValuePair<string, KubeconfigNode>> e, string key, byte[]? value, bool redact)
    {
        if (value is { Length: > 0 })
        {
            e.Add(new(key, S(redact ? RedactedData : Convert.ToBase64String(value))));
        }
    }

    private static void Flag(List<KeyValuePair<string, KubeconfigNode>> e, string key, bool value)
    {
        if (value)
        {
            e.Add(new(key, KubeconfigScalarNode.Bool(true)));
        }
    }

    private static KubeconfigNode Cluster(KubeconfigCluster c, bool redact, bool includeUnknown)
    {
        var e = new List<KeyValuePair<string, KubeconfigNode>>(8) { new("server", S(c.Server ?? string.Empty)) };
        Str(e, "tls-server-name", c.TlsServerName);
        Flag(e, "insecure-skip-tls-verify", c.InsecureSkipTlsVerify);
        Str(e, "certificate-authority", c.CertificateAuthority);
        Data(e, "certificate-authority-data", c.CertificateAuthorityData, redact);
        Str(e, "proxy-url", c.ProxyUrl);
        Flag(e, "disable-compression", c.DisableCompression);
        AddExtensions(e, c.Extensions);
        if (includeUnknown)
        {
            e.AddRange(c.UnknownFields);
        }

        return new KubeconfigMappingNode(e);
    }

    private static KubeconfigNode Context(KubeconfigContext c, bool includeUnknown)
    {
        var e = new List<KeyValuePair<string, KubeconfigNode>>(4)
        {
            new("cluster", S(c.Cluster ?? string.Empty)),
            new("user", S(c.User ?? string.Empty)),
        };
        Str(e, "namespace", c.Namespace);
        AddExtensions(e, c.Extensions);
        if (includeUnknown)
        {
            e.AddRange(c.UnknownFields);
        }

        return new KubeconfigMappingNode(e);
    }

    private static KubeconfigNode StringList(IReadOnlyList<string>? list) =>
        list is null ? KubeconfigScalarNode.Null : new KubeconfigSequenceNode(list.Select(x => (KubeconfigNode)S(x)).ToArray());

    private static KubeconfigNode User(KubeconfigUser u, bool redact, bool includeUnknown)
    {
        var e = new List<KeyValuePair<string, KubeconfigNode>>(8);
        Str(e, "client-certificate", u.ClientCertificate);
        Data(e, "client-certificate-data", u.ClientCertificateData, redact);
        Str(e, "client-key", u.ClientKey);
        Data(e, "client-key-data", u.ClientKeyData, redact);
        Str(e, "token", redact && !string.IsNullOrEmpty(u.Token) ? Redacted : u.Token);
        Str(e, "tokenFile", u.TokenFile);
        Str(e, "as", u.Impersonate);
        Str(e, "as-uid", u.ImpersonateUid);
        if (u.ImpersonateGroups is { Count: > 0 })
        {
            e.Add(new("as-groups", StringList(u.ImpersonateGroups)));
        }

        if (u.ImpersonateUserExtra is { Count: > 0 })
        {
            e.Add(new("as-user-extra", new KubeconfigMappingNode(u.ImpersonateUserExtra
                .OrderBy(x => x.Key, StringComparer.Ordinal)
                .Select(x => new KeyValuePair<string, KubeconfigNode>(x.Key, StringList(x.Value)))
                .ToArray())));
        }

        Str(e, "username", u.Username);
        Str(e, "password", redact && !string.IsNullOrEmpty(u.Password) ? Redacted : u.Password);
        if (u.AuthProvider is { } ap)
        {
            e.Add(new("auth-provider", new KubeconfigMappingNode(
            [
                new("name", S(ap.Name)),
                new("config", ap.Config is null ? KubeconfigScalarNode.Null : new KubeconfigMappingNode(ap.Config
                    .OrderBy(x => x.Key, StringComparer.Ordinal)
                    .Select(x => new KeyValuePair<string, KubeconfigNode>(x.Key, S(x.Value)))
                    .ToArray())),
            ])));
        }

        if (u.Exec is { } x)
        {
            var ex = new List<KeyValuePair<string, KubeconfigNode>>(8)
            {
                new("command", S(x.Command)),
                new("args", StringList(x.Args)),
                new("env", x.Env is null ? KubeconfigScalarNode.Null : new KubeconfigSequenceNode(x.Env
                    .Select(v => (KubeconfigNode)new KubeconfigMappingNode([new("name", S(v.Name)), new("value", S(v.Value))]))
                    .ToArray())),
            };
            Str(ex, "apiVersion", x.ApiVersion);
            Str(ex, "installHint", x.InstallHint);
            ex.Add(new("provideClusterInfo", KubeconfigScalarNode.Bool(x.ProvideClusterInfo)));
            Str(ex, "interactiveMode", x.InteractiveMode);
            if (includeUnknown)
            {
                ex.AddRange(x.UnknownFields);
            }

            e.Add(new("exec", new KubeconfigMappingNode(ex)));
        }

        AddExtensions(e, u.Extensions);
        if (includeUnknown)
        {
            e.AddRange(u.UnknownFields);
        }

        return new KubeconfigMappingNode(e);
    }
}
