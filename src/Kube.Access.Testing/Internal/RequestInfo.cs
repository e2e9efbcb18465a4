namespace Kube.Access.Testing.Internal;

/// <summary>What a request path means in Kubernetes terms (like the apiserver's RequestInfo).</summary>
internal sealed class RequestInfo
{
    public bool IsResourceRequest { get; init; }
    public string Path { get; init; } = "";
    public string Verb { get; set; } = "";
    public string Group { get; init; } = "";
    public string Version { get; init; } = "";
    public string Resource { get; init; } = "";
    public string? Subresource { get; init; }
    public string? Namespace { get; init; }
    public string? Name { get; init; }
    /// <summary>For proxy subresources: the path after <c>.../proxy</c> (starting with '/', or empty).</summary>
    public string ProxyPath { get; init; } = "";
    public bool LegacyWatchPath { get; init; }

    /// <summary>Parses a path; returns a non-resource info for anything outside /api/v1 and /apis/g/v/....</summary>
    public static RequestInfo Parse(string method, string path, bool watchQuery)
    {
        var trimmed = path.Trim('/');
        var parts = trimmed.Length == 0 ? [] : trimmed.Split('/');
        int idx;
        string group, version;
        if (parts.Length >= 2 && parts[0] == "api")
        {
            group = "";
            version = parts[1];
            idx = 2;
        }
        else if (parts.Length >= 3 && parts[0] == "apis")
        {
            group = parts[1];
            version = parts[2];
            idx = 3;
        }
        else
        {
            return new RequestInfo { Path = path, Verb = method.ToLowerInvariant() };
        }
        if (parts.Length == idx)
        {
            return new RequestInfo { Path = path, Verb = method.ToLowerInvariant() };
        }
        var legacyWatch = false;
        if (parts[idx] == "watch")
        {
            legacyWatch = true;
            idx++;
        }
        string? ns = null;
        string resource;
        string? name = null;
        string? sub = null;
        var proxyPath = "";
        var rest = parts[idx..];
        if (rest.Length == 0)
        {
            return new RequestInfo { Path = path, Verb = method.ToLowerInvariant() };
        }
        if (rest[0] == "namespaces" && rest.Length >= 3 && !(rest.Length == 3 && rest[2] is "status" or "finalize"))
        {
            ns = rest[1];
            resource = rest[2];
            rest = rest[3..];
        }
        else
        {
            resource = rest[0];
            rest = rest[1..];
        }
        if (rest.Length >= 1)
        {
            name = rest[0];
        }
        if (rest.Length >= 2)
        {
            sub = rest[1];
        }
        if (rest.Length >= 3)
        {
            if (sub == "proxy")
            {
                proxyPath = "/" + string.Join('/', rest[2..]);
                if (path.EndsWith('/'))
                {
                    proxyPath += "/";
                }
            }
            else
            {
                return new RequestInfo { Path = path, Verb = method.ToLowerInvariant() };
            }
        }
        else if (sub == "proxy" && path.EndsWith('/'))
        {
            proxyPath = "/";
        }
        var verb = method switch
        {
            "GET" or "HEAD" => legacyWatch || (watchQuery && name is null) ? "watch" : name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
        if (legacyWatch && name is not null)
        {
            verb = "watch";
        }
        return new RequestInfo
        {
            IsResourceRequest = true,
            Path = path,
            Verb = verb,
            Group = group,
            Version = version,
            Resource = resource,
            Subresource = sub,
            Namespace = ns,
            Name = name,
            ProxyPath = proxyPath,
            LegacyWatchPath = legacyWatch,
        };
    }
}
