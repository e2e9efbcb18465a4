using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Kube.Access.Testing.Internal;
using Kube.Access.Testing.Tables;
using Microsoft.AspNetCore.Http;
using static Kube.Access.Testing.Http.HttpIo;

namespace Kube.Access.Testing;

/// <summary>
/// Object requests: get, create, update, patch, delete and deletecollection, and the object
/// subresources status, scale, token and log. Routing, list and watch live elsewhere.
/// </summary>
public sealed partial class KubeApiEmulator
{
    private async Task HandleObjectAsync(HttpContext context, RequestInfo info, ResourceDef def)
    {
        var query = context.Request.Query;
        var dryRun = query["dryRun"].Count > 0;
        var ns = info.Namespace ?? "";
        switch (info.Verb)
        {
            case "get":
            {
                if (!_state.Store(def).TryGet(def.Namespaced ? ns : "", info.Name!, out var obj))
                {
                    throw ApiException.NotFound(def, info.Name!);
                }
                if (def.Namespaced && info.Namespace is null)
                {
                    throw ApiException.PathNotFound();
                }
                if (TableRequest.Negotiate(context.Request, def) is { } table)
                {
                    var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
                    System.Text.Json.Utf8JsonWriter? writer = null;
                    TableWriter.WriteSingle(buffer, table, obj, DateTimeOffset.UtcNow, ref writer);
                    writer?.Dispose();
                    await WriteJsonAsync(context, 200, buffer.WrittenSpan.ToArray()).ConfigureAwait(false);
                    return;
                }
                await WriteJsonAsync(context, 200, obj.GetJson()).ConfigureAwait(false);
                return;
            }
            case "create":
            {
                if (info.Name is not null)
                {
                    throw ApiException.MethodNotAllowed();
                }
                var body = await ReadObjectAsync(context).ConfigureAwait(false);
                var created = _state.Create(def, def.Namespaced ? info.Namespace : null, body, dryRun);
                await WriteJsonAsync(context, 201, created).ConfigureAwait(false);
                return;
            }
            case "update":
            {
                var body = await ReadObjectAsync(context).ConfigureAwait(false);
                var updated = _state.Update(def, ns, info.Name!, body, null, dryRun);
                await WriteJsonAsync(context, 200, updated).ConfigureAwait(false);
                return;
            }
            case "patch":
            {
                var body = await ReadBodyAsync(context).ConfigureAwait(false);
                var patched = _state.Patch(def, ns, info.Name!, context.Request.ContentType ?? "", body, null, dryRun);
                await WriteJsonAsync(context, 200, patched).ConfigureAwait(false);
                return;
            }
            case "delete":
            {
                var deleted = _state.Delete(def, ns, info.Name!, dryRun);
                if (def.Kind == "Pod")
                {
                    await WriteJsonAsync(context, 200, deleted).ConfigureAwait(false);
                }
                else
                {
                    await WriteJsonAsync(context, 200, SuccessStatus(def, info.Name!, JsonUtil.Str(deleted["metadata"]?["uid"]))).ConfigureAwait(false);
                }
                return;
            }
            case "deletecollection":
            {
                var labels = LabelSelector.Parse(query["labelSelector"]);
                var fields = FieldSelector.Parse(query["fieldSelector"], def);
                var items = new JsonArray();
                foreach (var o in _state.Store(def).Snapshot.Range(info.Namespace).ToList())
                {
                    if (labels.Matches(o) && fields.Matches(o))
                    {
                        try
                        {
                            items.Add(_state.Delete(def, o.Namespace, o.Name, dryRun));
                        }
                        catch (ApiException e) when (e.Code == 404)
                        {
                        }
                    }
                }
                await WriteJsonAsync(context, 200, new JsonObject
                {
                    ["kind"] = def.ListKind,
                    ["apiVersion"] = def.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = JsonUtil.Rv(_state.CurrentResourceVersion) },
                    ["items"] = items,
                }).ConfigureAwait(false);
                return;
            }
            default:
                throw ApiException.MethodNotAllowed();
        }
    }

    private async Task HandleObjectSubresourceAsync(HttpContext context, RequestInfo info, ResourceDef def)
    {
        var sub = info.Subresource!;
        var ns = info.Namespace ?? "";
        var name = info.Name!;
        var dryRun = context.Request.Query["dryRun"].Count > 0;
        switch (sub)
        {
            case "status" when def.Subresources.Any(s => s.Name == "status"):
                switch (info.Verb)
                {
                    case "get":
                        if (!_state.Store(def).TryGet(ns, name, out var obj))
                        {
                            throw ApiException.NotFound(def, name);
                        }
                        await WriteJsonAsync(context, 200, obj.GetJson()).ConfigureAwait(false);
                        return;
                    case "update":
                    {
                        var body = await ReadObjectAsync(context).ConfigureAwait(false);
                        await WriteJsonAsync(context, 200, _state.Update(def, ns, name, body, "status", dryRun)).ConfigureAwait(false);
                        return;
                    }
                    case "patch":
                    {
                        var body = await ReadBodyAsync(context).ConfigureAwait(false);
                        await WriteJsonAsync(context, 200, _state.Patch(def, ns, name, context.Request.ContentType ?? "", body, "status", dryRun)).ConfigureAwait(false);
                        return;
                    }
                }
                throw ApiException.MethodNotAllowed();
            case "scale" when def.Subresources.Any(s => s.Name == "scale"):
                await HandleScaleAsync(context, info, def, dryRun).ConfigureAwait(false);
                return;
            case "token" when def.Kind == "ServiceAccount" && info.Verb == "create":
                await HandleTokenRequestAsync(context, ns, name).ConfigureAwait(false);
                return;
            case "log" when def.Kind == "Pod" && info.Verb == "get":
                await HandleLogAsync(context, ns, name).ConfigureAwait(false);
                return;
            default:
                throw ApiException.PathNotFound();
        }
    }

    private static JsonObject SuccessStatus(ResourceDef def, string name, string? uid)
    {
        var details = new JsonObject { ["name"] = name };
        if (def.Group.Length > 0)
        {
            details["group"] = def.Group;
        }
        details["kind"] = def.Plural;
        if (uid is not null)
        {
            details["uid"] = uid;
        }
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }

    private async Task HandleScaleAsync(HttpContext context, RequestInfo info, ResourceDef def, bool dryRun)
    {
        var ns = info.Namespace ?? "";
        var name = info.Name!;
        JsonObject ToScale(JsonObject obj) => new()
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["uid"] = obj["metadata"]?["uid"]?.DeepClone(),
                ["resourceVersion"] = obj["metadata"]?["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = obj["metadata"]?["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = JsonUtil.Int(obj["spec"]?["replicas"]) ?? 1 },
            ["status"] = new JsonObject
            {
                ["replicas"] = JsonUtil.Int(obj["status"]?["replicas"]) ?? 0,
                ["selector"] = obj["spec"]?["selector"]?["matchLabels"] is JsonObject ml ? string.Join(',', ml.Select(kv => kv.Key + "=" + JsonUtil.Str(kv.Value))) : "",
            },
        };
        if (info.Verb == "get")
        {
            if (!_state.Store(def).TryGet(ns, name, out var stored))
            {
                throw ApiException.NotFound(def, name);
            }
            await WriteJsonAsync(context, 200, ToScale(stored.ToNode())).ConfigureAwait(false);
            return;
        }
        if (info.Verb is not ("update" or "patch"))
        {
            throw ApiException.MethodNotAllowed();
        }
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        var contentType = context.Request.ContentType ?? "";
        var result = _state.Replace(def, ns, name, current =>
        {
            var scale = ToScale(current);
            var next = info.Verb == "update" ? JsonUtil.Parse(body) : Patching.Apply(scale, contentType, body);
            var replicas = JsonUtil.Int(next["spec"]?["replicas"]) ?? throw ApiException.Invalid(def, name, [FieldError.Required("spec.replicas")]);
            if (replicas < 0)
            {
                throw ApiException.Invalid(def, name, [FieldError.Invalid("spec.replicas", replicas.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to 0")]);
            }
            var sentRv = JsonUtil.Str(next["metadata"]?["resourceVersion"]);
            if (!string.IsNullOrEmpty(sentRv) && sentRv != JsonUtil.Str(current["metadata"]?["resourceVersion"]))
            {
                throw ApiException.Conflict(def, name);
            }
            JsonUtil.Ensure(current, "spec")["replicas"] = replicas;
            return current;
        }, null, dryRun) ?? throw ApiException.NotFound(def, name);
        _state.Store(def).TryGet(ns, name, out var after);
        await WriteJsonAsync(context, 200, ToScale(after?.ToNode() ?? result)).ConfigureAwait(false);
    }

    private async Task HandleTokenRequestAsync(HttpContext context, string ns, string name)
    {
        if (!_state.Store(ResourceCatalog.ServiceAccounts).TryGet(ns, name, out var sa))
        {
            throw ApiException.NotFound(ResourceCatalog.ServiceAccounts, name);
        }
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        var request = body.Length == 0 ? new JsonObject() : JsonUtil.Parse(body);
        var seconds = JsonUtil.Long(request["spec"]?["expirationSeconds"]) ?? 3600;
        if (seconds < 600)
        {
            throw ApiException.Invalid(ResourceCatalog.ServiceAccounts, name, [FieldError.Invalid("spec.expirationSeconds", seconds.ToString(CultureInfo.InvariantCulture), "may not specify a duration less than 10 minutes")]);
        }
        var expires = DateTimeOffset.UtcNow.AddSeconds(seconds);
        var user = $"system:serviceaccount:{ns}:{name}";
        var token = IssueServiceAccountToken(user, ["system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"], expires);
        var response = new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = null },
            ["spec"] = new JsonObject
            {
                ["audiences"] = request["spec"]?["audiences"]?.DeepClone() ?? new JsonArray("https://kubernetes.default.svc.cluster.local"),
                ["expirationSeconds"] = seconds,
                ["boundObjectRef"] = request["spec"]?["boundObjectRef"]?.DeepClone(),
            },
            ["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = JsonUtil.Timestamp(expires) },
        };
        _ = sa;
        await WriteJsonAsync(context, 201, response).ConfigureAwait(false);
    }

    private async Task HandleLogAsync(HttpContext context, string ns, string name)
    {
        if (!_state.Pods.TryGet(ns, name, out var pod))
        {
            throw ApiException.NotFound(ResourceCatalog.Pods, name);
        }
        var node = pod.ToNode();
        var container = context.Request.Query["container"].ToString();
        var containers = (node["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>().Select(c => JsonUtil.Str(c["name"]) ?? "").ToList() ?? [];
        if (container.Length == 0)
        {
            if (containers.Count != 1)
            {
                throw ApiException.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(' ', containers)}]");
            }
            container = containers[0];
        }
        else if (!containers.Contains(container))
        {
            throw ApiException.BadRequest($"container {container} is not valid for pod {name}");
        }
        var started = JsonUtil.Str(node["status"]?["startTime"]) ?? JsonUtil.Now();
        var text = $"{started} container {container} of pod {ns}/{name} started\n";
        context.Response.ContentType = "text/plain";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), context.RequestAborted).ConfigureAwait(false);
    }
}
