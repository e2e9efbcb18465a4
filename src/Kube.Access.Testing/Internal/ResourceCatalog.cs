using System.Text.Json;

namespace Kube.Access.Testing.Internal;

/// <summary>A subresource as announced in discovery.</summary>
internal sealed record SubresourceDef(string Name, string Kind, string[] Verbs, string? Group = null, string? Version = null);

/// <summary>A resource served by the emulator.</summary>
internal sealed class ResourceDef
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Plural { get; init; }
    public required string Singular { get; init; }
    public required string Kind { get; init; }
    public required bool Namespaced { get; init; }
    public string[] ShortNames { get; init; } = [];
    public string[] Categories { get; init; } = [];
    public SubresourceDef[] Subresources { get; init; } = [];
    public NameRule NameRule { get; init; } = NameRule.Dns1123Subdomain;

    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;
    public string GroupVersion => ApiVersion;
    public string ListKind => Kind + "List";
    /// <summary>How the apiserver names the resource in messages: <c>pods</c>, <c>deployments.apps</c>.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : Plural + "." + Group;
    public string StoreKey => Group + "/" + Plural;
}

internal enum NameRule { Dns1123Subdomain, Dns1123Label, Dns1035Label, PathSegment }

/// <summary>The resources, groups and discovery documents of the emulator.</summary>
internal static class ResourceCatalog
{
    public static readonly string[] StandardVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] ClusterVerbs = StandardVerbs;
    private static readonly string[] StatusVerbs = ["get", "patch", "update"];

    public static readonly ResourceDef[] All =
    [
        new() { Group = "", Version = "v1", Plural = "namespaces", Singular = "namespace", Kind = "Namespace", Namespaced = false, ShortNames = ["ns"], NameRule = NameRule.Dns1123Label,
            Subresources = [new("status", "Namespace", StatusVerbs), new("finalize", "Namespace", ["update"])] },
        new() { Group = "", Version = "v1", Plural = "pods", Singular = "pod", Kind = "Pod", Namespaced = true, ShortNames = ["po"], Categories = ["all"],
            Subresources =
            [
                new("attach", "PodAttachOptions", ["create", "get"]),
                new("binding", "Binding", ["create"]),
                new("exec", "PodExecOptions", ["create", "get"]),
                new("log", "Pod", ["get"]),
                new("portforward", "PodPortForwardOptions", ["create", "get"]),
                new("proxy", "PodProxyOptions", ["create", "delete", "get", "patch", "update"]),
                new("status", "Pod", StatusVerbs),
            ] },
        new() { Group = "", Version = "v1", Plural = "services", Singular = "service", Kind = "Service", Namespaced = true, ShortNames = ["svc"], Categories = ["all"], NameRule = NameRule.Dns1035Label,
            Subresources = [new("proxy", "ServiceProxyOptions", ["create", "delete", "get", "patch", "update"]), new("status", "Service", StatusVerbs)] },
        new() { Group = "", Version = "v1", Plural = "endpoints", Singular = "endpoints", Kind = "Endpoints", Namespaced = true, ShortNames = ["ep"] },
        new() { Group = "", Version = "v1", Plural = "nodes", Singular = "node", Kind = "Node", Namespaced = false, ShortNames = ["no"],
            Subresources = [new("proxy", "NodeProxyOptions", ["create", "delete", "get", "patch", "update"]), new("status", "Node", StatusVerbs)] },
        new() { Group = "", Version = "v1", Plural = "secrets", Singular = "secret", Kind = "Secret", Namespaced = true },
        new() { Group = "", Version = "v1", Plural = "configmaps", Singular = "configmap", Kind = "ConfigMap", Namespaced = true, ShortNames = ["cm"] },
        new() { Group = "", Version = "v1", Plural = "serviceaccounts", Singular = "serviceaccount", Kind = "ServiceAccount", Namespaced = true, ShortNames = ["sa"],
            Subresources = [new("token", "TokenRequest", ["create"], "authentication.k8s.io", "v1")] },
        new() { Group = "", Version = "v1", Plural = "events", Singular = "event", Kind = "Event", Namespaced = true, ShortNames = ["ev"], NameRule = NameRule.PathSegment },
        new() { Group = "apps", Version = "v1", Plural = "deployments", Singular = "deployment", Kind = "Deployment", Namespaced = true, ShortNames = ["deploy"], Categories = ["all"],
            Subresources = [new("scale", "Scale", StatusVerbs, "autoscaling", "v1"), new("status", "Deployment", StatusVerbs)] },
        new() { Group = "apps", Version = "v1", Plural = "replicasets", Singular = "replicaset", Kind = "ReplicaSet", Namespaced = true, ShortNames = ["rs"], Categories = ["all"],
            Subresources = [new("scale", "Scale", StatusVerbs, "autoscaling", "v1"), new("status", "ReplicaSet", StatusVerbs)] },
        new() { Group = "apps", Version = "v1", Plural = "daemonsets", Singular = "daemonset", Kind = "DaemonSet", Namespaced = true, ShortNames = ["ds"], Categories = ["all"],
            Subresources = [new("status", "DaemonSet", StatusVerbs)] },
        new() { Group = "apps", Version = "v1", Plural = "statefulsets", Singular = "statefulset", Kind = "StatefulSet", Namespaced = true, ShortNames = ["sts"], Categories = ["all"],
            Subresources = [new("scale", "Scale", StatusVerbs, "autoscaling", "v1"), new("status", "StatefulSet", StatusVerbs)] },
        new() { Group = "discovery.k8s.io", Version = "v1", Plural = "endpointslices", Singular = "endpointslice", Kind = "EndpointSlice", Namespaced = true },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Plural = "clusterroles", Singular = "clusterrole", Kind = "ClusterRole", Namespaced = false, NameRule = NameRule.PathSegment },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Plural = "clusterrolebindings", Singular = "clusterrolebinding", Kind = "ClusterRoleBinding", Namespaced = false, NameRule = NameRule.PathSegment },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Plural = "roles", Singular = "role", Kind = "Role", Namespaced = true, NameRule = NameRule.PathSegment },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Plural = "rolebindings", Singular = "rolebinding", Kind = "RoleBinding", Namespaced = true, NameRule = NameRule.PathSegment },
    ];

    public static readonly string[] Groups = ["apps", "discovery.k8s.io", "rbac.authorization.k8s.io"];

    private static readonly Dictionary<string, ResourceDef> ByGroupPlural = All.ToDictionary(d => d.Group + "/" + d.Plural, StringComparer.Ordinal);

    public static ResourceDef Pods => Get("", "pods");
    public static ResourceDef Services => Get("", "services");
    public static ResourceDef Endpoints => Get("", "endpoints");
    public static ResourceDef EndpointSlices => Get("discovery.k8s.io", "endpointslices");
    public static ResourceDef Namespaces => Get("", "namespaces");
    public static ResourceDef Nodes => Get("", "nodes");
    public static ResourceDef ServiceAccounts => Get("", "serviceaccounts");
    public static ResourceDef Deployments => Get("apps", "deployments");
    public static ResourceDef ReplicaSets => Get("apps", "replicasets");

    public static ResourceDef Get(string group, string plural) => ByGroupPlural[group + "/" + plural];

    public static bool TryFind(string group, string version, string plural, out ResourceDef def)
    {
        if (ByGroupPlural.TryGetValue(group + "/" + plural, out var d) && d.Version == version)
        {
            def = d;
            return true;
        }
        def = null!;
        return false;
    }

    public static bool HasGroupVersion(string group, string version) => All.Any(d => d.Group == group && d.Version == version);

    public static byte[] VersionJson() => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.0",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2024-12-11T00:00:00Z",
        ["goVersion"] = "go1.23.3",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
        ["emulator"] = "kube-access",
    }, JsonUtil.Options);

    public static byte[] ApiVersionsJson(string serverAddress)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, JsonUtil.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("kind", "APIVersions");
            w.WriteStartArray("versions");
            w.WriteStringValue("v1");
            w.WriteEndArray();
            w.WriteStartArray("serverAddressByClientCIDRs");
            w.WriteStartObject();
            w.WriteString("clientCIDR", "0.0.0.0/0");
            w.WriteString("serverAddress", serverAddress);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    public static byte[] ApiGroupListJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, JsonUtil.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("kind", "APIGroupList");
            w.WriteString("apiVersion", "v1");
            w.WriteStartArray("groups");
            foreach (var g in Groups)
            {
                WriteGroup(w, g);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    public static byte[] ApiGroupJson(string group)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, JsonUtil.WriterOptions))
        {
            WriteGroup(w, group, withKind: true);
        }
        return ms.ToArray();
    }

    private static void WriteGroup(Utf8JsonWriter w, string group, bool withKind = false)
    {
        w.WriteStartObject();
        if (withKind)
        {
            w.WriteString("kind", "APIGroup");
            w.WriteString("apiVersion", "v1");
        }
        w.WriteString("name", group);
        w.WriteStartArray("versions");
        w.WriteStartObject();
        w.WriteString("groupVersion", group + "/v1");
        w.WriteString("version", "v1");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("preferredVersion");
        w.WriteString("groupVersion", group + "/v1");
        w.WriteString("version", "v1");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static byte[] ApiResourceListJson(string group, string version)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, JsonUtil.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("kind", "APIResourceList");
            w.WriteString("apiVersion", "v1");
            w.WriteString("groupVersion", group.Length == 0 ? version : group + "/" + version);
            w.WriteStartArray("resources");
            foreach (var d in All.Where(d => d.Group == group && d.Version == version))
            {
                w.WriteStartObject();
                w.WriteString("name", d.Plural);
                w.WriteString("singularName", d.Singular);
                w.WriteBoolean("namespaced", d.Namespaced);
                w.WriteString("kind", d.Kind);
                WriteArray(w, "verbs", ClusterVerbs);
                if (d.ShortNames.Length > 0)
                {
                    WriteArray(w, "shortNames", d.ShortNames);
                }
                if (d.Categories.Length > 0)
                {
                    WriteArray(w, "categories", d.Categories);
                }
                w.WriteEndObject();
                foreach (var s in d.Subresources)
                {
                    w.WriteStartObject();
                    w.WriteString("name", d.Plural + "/" + s.Name);
                    w.WriteString("singularName", "");
                    w.WriteBoolean("namespaced", d.Namespaced);
                    if (s.Group is not null)
                    {
                        w.WriteString("group", s.Group);
                        w.WriteString("version", s.Version);
                    }
                    w.WriteString("kind", s.Kind);
                    WriteArray(w, "verbs", s.Verbs);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>The OpenAPI v3 discovery root: one document per group-version.</summary>
    public static byte[] OpenApiV3RootJson()
    {
        var paths = new System.Text.Json.Nodes.JsonObject();
        foreach (var gv in All.Select(d => (d.Group, d.Version)).Distinct())
        {
            var key = gv.Group.Length == 0 ? "api/" + gv.Version : "apis/" + gv.Group + "/" + gv.Version;
            paths[key] = new System.Text.Json.Nodes.JsonObject { ["serverRelativeURL"] = "/openapi/v3/" + key + "?hash=" + OpenApiHash };
        }
        return JsonSerializer.SerializeToUtf8Bytes(new System.Text.Json.Nodes.JsonObject { ["paths"] = paths }, JsonUtil.Options);
    }

    private const string OpenApiHash = "4B1E0C3A5D7F92016E8A";

    /// <summary>
    /// A minimal OpenAPI v3 document of a group-version: the PATCH operation of each kind with its
    /// <c>x-kubernetes-group-version-kind</c> and the <c>fieldValidation</c> parameter, which is what
    /// kubectl reads to know that the server validates fields itself.
    /// </summary>
    public static byte[]? OpenApiV3GroupVersionJson(string group, string version)
    {
        var defs = All.Where(d => d.Group == group && d.Version == version).ToList();
        if (defs.Count == 0)
        {
            return null;
        }
        var prefix = group.Length == 0 ? "/api/" + version : "/apis/" + group + "/" + version;
        var paths = new System.Text.Json.Nodes.JsonObject();
        foreach (var d in defs)
        {
            var path = prefix + (d.Namespaced ? "/namespaces/{namespace}/" : "/") + d.Plural + "/{name}";
            System.Text.Json.Nodes.JsonObject Param(string name) => new() { ["name"] = name, ["in"] = "query", ["schema"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "string", ["uniqueItems"] = true } };
            paths[path] = new System.Text.Json.Nodes.JsonObject
            {
                ["patch"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["description"] = "partially update the specified " + d.Kind,
                    ["operationId"] = "patch" + d.Kind,
                    ["parameters"] = new System.Text.Json.Nodes.JsonArray(Param("dryRun"), Param("fieldManager"), Param("fieldValidation"), Param("force")),
                    ["responses"] = new System.Text.Json.Nodes.JsonObject { ["200"] = new System.Text.Json.Nodes.JsonObject { ["description"] = "OK" } },
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = new System.Text.Json.Nodes.JsonObject { ["group"] = group, ["kind"] = d.Kind, ["version"] = version },
                },
            };
        }
        return JsonSerializer.SerializeToUtf8Bytes(new System.Text.Json.Nodes.JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new System.Text.Json.Nodes.JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new System.Text.Json.Nodes.JsonObject { ["schemas"] = new System.Text.Json.Nodes.JsonObject() },
        }, JsonUtil.Options);
    }

    private static void WriteArray(Utf8JsonWriter w, string name, string[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }
}
