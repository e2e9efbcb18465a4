using System.Text;

namespace Kube.Access.Kubeconfig;

/// <summary><c>kubectl config set/unset</c> property paths such as <c>contexts.dev.namespace</c> or <c>users.developer</c>.</summary>
internal static class PropertyPath
{
    private static readonly string[] ClusterFields = ["server", "tls-server-name", "insecure-skip-tls-verify", "certificate-authority", "certificate-authority-data", "proxy-url", "disable-compression"];
    private static readonly string[] UserFields = ["client-certificate", "client-certificate-data", "client-key", "client-key-data", "token", "tokenFile", "as", "as-uid", "username", "password", "exec", "auth-provider"];
    private static readonly string[] ContextFields = ["cluster", "user", "namespace"];

    /// <summary>Sets (<paramref name="value"/> non-null) or unsets the property.</summary>
    public static Kubeconfig Apply(Kubeconfig config, string property, string? value, bool rawBytes)
    {
        if (string.IsNullOrEmpty(property))
        {
            throw new KubeconfigException("you must specify a property");
        }

        switch (property)
        {
            case "current-context":
                return config with { CurrentContext = KubeconfigParser.NullIfEmpty(value) };
            case "preferences.colors":
                return config with { Preferences = config.Preferences with { Colors = value is not null && ParseBool(value, property) } };
        }

        var dot = property.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            throw new KubeconfigException($"unknown property \"{property}\"", field: property);
        }

        var kind = property[..dot];
        var rest = property[(dot + 1)..];
        var fields = kind switch
        {
            "clusters" => ClusterFields,
            "users" => UserFields,
            "contexts" => ContextFields,
            _ => throw new KubeconfigException($"unknown property \"{property}\" (expected current-context, preferences.colors, clusters.NAME..., users.NAME... or contexts.NAME...)", field: property),
        };

        var (name, field) = Split(rest, fields);
        if (name.Length == 0)
        {
            throw new KubeconfigException($"property \"{property}\" names no entry", field: property);
        }

        switch (kind)
        {
            case "clusters":
            {
                var existing = config.FindCluster(name);
                if (field is null)
                {
                    return value is null
                        ? config with { Clusters = Exists(existing, property).Pipe(_ => config.Clusters.Where(c => c.Name != name).ToArray()) }
                        : throw new KubeconfigException($"cannot set \"{property}\" to a string: it is a whole cluster", field: property);
                }

                if (value is null && existing is null)
                {
                    throw new KubeconfigException($"current map key `{name}` is invalid", field: property);
                }

                var c = existing ?? new KubeconfigCluster { Name = name };
                c = field switch
                {
                    "server" => c with { Server = KubeconfigParser.NullIfEmpty(value) },
                    "tls-server-name" => c with { TlsServerName = KubeconfigParser.NullIfEmpty(value) },
                    "insecure-skip-tls-verify" => c with { InsecureSkipTlsVerify = value is not null && ParseBool(value, property) },
                    "certificate-authority" => c with { CertificateAuthority = KubeconfigParser.NullIfEmpty(value) },
                    "certificate-authority-data" => c with { CertificateAuthorityData = Bytes(value, rawBytes, property) },
                    "proxy-url" => c with { ProxyUrl = KubeconfigParser.NullIfEmpty(value) },
                    _ => c with { DisableCompression = value is not null && ParseBool(value, property) },
                };
                return config with { Clusters = Upsert(config.Clusters, c) };
            }

            case "contexts":
            {
                var existing = config.FindContext(name);
                if (field is null)
                {
                    return value is null
                        ? config with { Contexts = Exists(existing, property).Pipe(_ => config.Contexts.Where(c => c.Name != name).ToArray()) }
                        : throw new KubeconfigException($"cannot set \"{property}\" to a string: it is a whole context", field: property);
                }

                if (value is null && existing is null)
                {
                    throw new KubeconfigException($"current map key `{name}` is invalid", field: property);
                }

                var c = existing ?? new KubeconfigContext { Name = name };
                c = field switch
                {
                    "cluster" => c with { Cluster = KubeconfigParser.NullIfEmpty(value) },
                    "user" => c with { User = KubeconfigParser.NullIfEmpty(value) },
                    _ => c with { Namespace = KubeconfigParser.NullIfEmpty(value) },
                };
                return config with { Contexts = Upsert(config.Contexts, c) };
            }

            default:
            {
                var existing = config.FindUser(name);
                if (field is null)
                {
                    return value is null
                        ? config with { Users = Exists(existing, property).Pipe(_ => config.Users.Where(c => c.Name != name).ToArray()) }
                        : throw new KubeconfigException($"cannot set \"{property}\" to a string: it is a whole user", field: property);
                }

                if (value is null && existing is null)
                {
                    throw new KubeconfigException($"current map key `{name}` is invalid", field: property);
                }

                var u = existing ?? new KubeconfigUser { Name = name };
                u = field switch
                {
                    "client-certificate" => u with { ClientCertificate = KubeconfigParser.NullIfEmpty(value) },
                    "client-certificate-data" => u with { ClientCertificateData = Bytes(value, rawBytes, property) },
                    "client-key" => u with { ClientKey = KubeconfigParser.NullIfEmpty(value) },
                    "client-key-data" => u with { ClientKeyData = Bytes(value, rawBytes, property) },
                    "token" => u with { Token = KubeconfigParser.NullIfEmpty(value) },
                    "tokenFile" => u with { TokenFile = KubeconfigParser.NullIfEmpty(value) },
                    "as" => u with { Impersonate = KubeconfigParser.NullIfEmpty(value) },
                    "as-uid" => u with { ImpersonateUid = KubeconfigParser.NullIfEmpty(value) },
                    "username" => u with { Username = KubeconfigParser.NullIfEmpty(value) },
                    "password" => u with { Password = KubeconfigParser.NullIfEmpty(value) },
                    "exec" when value is null => u with { Exec = null },
                    "auth-provider" when value is null => u with { AuthProvider = null },
                    _ => throw new KubeconfigException($"cannot set \"{property}\" to a string", field: property),
                };
                return config with { Users = Upsert(config.Users, u) };
            }
        }
    }

    private static T? Exists<T>(T? entry, string property)
        where T : KubeconfigEntry =>
        entry ?? throw new KubeconfigException($"current map key `{property[(property.IndexOf('.', StringComparison.Ordinal) + 1)..]}` is invalid", field: property);

    private static TOut Pipe<TIn, TOut>(this TIn value, Func<TIn, TOut> f) => f(value);

    private static (string Name, string? Field) Split(string rest, string[] fields)
    {
        foreach (var f in fields)
        {
            if (rest.EndsWith("." + f, StringComparison.Ordinal))
            {
                return (rest[..^(f.Length + 1)], f);
            }
        }

        return (rest, null);
    }

    private static bool ParseBool(string value, string property) => value switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" or "" => false,
        _ => throw new KubeconfigException($"invalid boolean \"{value}\"", field: property),
    };

    private static byte[]? Bytes(string? value, bool raw, string property)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (raw)
        {
            return Encoding.UTF8.GetBytes(value);
        }

        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException e)
        {
            throw new KubeconfigException($"the value is not base64 ({e.Message}); use --set-raw-bytes to store it as is", field: property, innerException: e);
        }
    }

    private static IReadOnlyList<T> Upsert<T>(IReadOnlyList<T> list, T item)
        where T : KubeconfigEntry
    {
        var result = list.Where(x => x.Name != item.Name).ToList();
        result.Add(item);
        return result;
    }
}
