using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kube.Access.Testing.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kube.Access.Testing;

public sealed partial class KubeApiEmulator
{
    private static readonly byte[] OkBytes = "ok"u8.ToArray();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var watchQuery = IsTrue(request.Query["watch"]);
        var info = RequestInfo.Parse(request.Method, path, watchQuery);
        RecordedRequestEntry? recorded = null;
        try
        {
            var user = Authenticate(context);
            recorded = Record(context, user);
            if (user is null)
            {
                throw ApiException.Unauthorized();
            }
            user = Impersonate(context, user);
            if (recorded is not null)
            {
                recorded.User = user.Name;
            }
            Authorize(user, info);
            if (!info.IsResourceRequest)
            {
                await HandleNonResourceAsync(context, path).ConfigureAwait(false);
            }
            else
            {
                await HandleResourceAsync(context, info, user).ConfigureAwait(false);
            }
        }
        catch (ApiException e)
        {
            await WriteErrorAsync(context, e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || _stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException or NullReferenceException)
        {
            _logger.LogWarning(e, "emulator: {Method} {Path} failed", request.Method, path);
            await WriteErrorAsync(context, new ApiException(500, "InternalError", "Internal error occurred: " + e.Message)).ConfigureAwait(false);
        }
        finally
        {
            if (recorded is not null)
            {
                recorded.StatusCode = context.Response.StatusCode;
            }
        }
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues v) => v.Count > 0 && (v[0] is "1" or "true" or "True");

    private static async Task WriteErrorAsync(HttpContext context, ApiException e)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.StatusCode = e.Code;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(e.ToStatusJson(), context.RequestAborted).ConfigureAwait(false);
    }

    private static Task WriteJsonAsync(HttpContext context, int status, byte[] json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        return context.Response.Body.WriteAsync(json, context.RequestAborted).AsTask();
    }

    private static Task WriteJsonAsync(HttpContext context, int status, JsonNode node)
        => WriteJsonAsync(context, status, JsonSerializer.SerializeToUtf8Bytes(node, JsonUtil.Options));

    private async Task HandleNonResourceAsync(HttpContext context, string path)
    {
        var method = context.Request.Method;
        if (method is not ("GET" or "HEAD"))
        {
            throw ApiException.MethodNotAllowed();
        }
        var trimmed = path.TrimEnd('/');
        switch (trimmed)
        {
            case "/version":
                await WriteJsonAsync(context, 200, ResourceCatalog.VersionJson()).ConfigureAwait(false);
                return;
            case "/healthz":
            case "/livez":
            case "/readyz":
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.Body.WriteAsync(OkBytes, context.RequestAborted).ConfigureAwait(false);
                return;
            case "/api":
                await WriteJsonAsync(context, 200, ResourceCatalog.ApiVersionsJson(Url.Authority)).ConfigureAwait(false);
                return;
            case "/apis":
                await WriteJsonAsync(context, 200, ResourceCatalog.ApiGroupListJson()).ConfigureAwait(false);
                return;
            case "/api/v1":
                await WriteJsonAsync(context, 200, ResourceCatalog.ApiResourceListJson("", "v1")).ConfigureAwait(false);
                return;
        }
        if (trimmed == "/openapi/v3")
        {
            await WriteJsonAsync(context, 200, ResourceCatalog.OpenApiV3RootJson()).ConfigureAwait(false);
            return;
        }
        var parts = trimmed.Trim('/').Split('/');
        if (parts.Length >= 4 && parts[0] == "openapi" && parts[1] == "v3")
        {
            var doc = parts[2] == "api" && parts.Length == 4 ? ResourceCatalog.OpenApiV3GroupVersionJson("", parts[3])
                : parts[2] == "apis" && parts.Length == 5 ? ResourceCatalog.OpenApiV3GroupVersionJson(parts[3], parts[4]) : null;
            if (doc is not null)
            {
                await WriteJsonAsync(context, 200, doc).ConfigureAwait(false);
                return;
            }
        }
        if (parts.Length == 2 && parts[0] == "apis" && ResourceCatalog.Groups.Contains(parts[1]))
        {
            await WriteJsonAsync(context, 200, ResourceCatalog.ApiGroupJson(parts[1])).ConfigureAwait(false);
            return;
        }
        if (parts.Length == 3 && parts[0] == "apis" && ResourceCatalog.HasGroupVersion(parts[1], parts[2]))
        {
            await WriteJsonAsync(context, 200, ResourceCatalog.ApiResourceListJson(parts[1], parts[2])).ConfigureAwait(false);
            return;
        }
        throw ApiException.PathNotFound();
    }

    private async Task HandleResourceAsync(HttpContext context, RequestInfo info, EmulatorUser user)
    {
        if (!ResourceCatalog.TryFind(info.Group, info.Version, info.Resource, out var def))
        {
            throw ApiException.PathNotFound();
        }
        if (info.Namespace is not null && !def.Namespaced)
        {
            throw ApiException.PathNotFound();
        }
        if (info.Subresource is not null)
        {
            await HandleSubresourceAsync(context, info, def, user).ConfigureAwait(false);
            return;
        }
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
                await WriteJsonAsync(context, 200, obj.GetJson()).ConfigureAwait(false);
                return;
            }
            case "list":
                await WriteListAsync(context, def, info.Namespace).ConfigureAwait(false);
                return;
            case "watch":
                await WatchAsync(context, def, info.Namespace, info.Name).ConfigureAwait(false);
                return;
            case "create":
            {
                if (info.Name is not null)
                {
                    throw ApiException.MethodNotAllowed();
                }
                var body = JsonUtil.Parse(await ReadBodyAsync(context).ConfigureAwait(false));
                var created = _state.Create(def, def.Namespaced ? info.Namespace : null, body, dryRun);
                await WriteJsonAsync(context, 201, created).ConfigureAwait(false);
                return;
            }
            case "update":
            {
                var body = JsonUtil.Parse(await ReadBodyAsync(context).ConfigureAwait(false));
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

    private static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType ?? "";
        if (contentType.StartsWith("application/vnd.kubernetes.protobuf", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/cbor", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/yaml", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(415, "UnsupportedMediaType", $"the emulator accepts JSON request bodies only, not {contentType} (kubectl create -f, apply and the dynamic client send JSON)");
        }
        using var ms = new MemoryStream();
        await context.Request.Body.CopyToAsync(ms, context.RequestAborted).ConfigureAwait(false);
        return ms.ToArray();
    }

    private async Task HandleSubresourceAsync(HttpContext context, RequestInfo info, ResourceDef def, EmulatorUser user)
    {
        var sub = info.Subresource!;
        var ns = info.Namespace ?? "";
        var name = info.Name!;
        var dryRun = context.Request.Query["dryRun"].Count > 0;
        if (sub is "portforward" or "exec" or "attach" or "proxy")
        {
            if (!def.Subresources.Any(s => s.Name == sub))
            {
                throw ApiException.PathNotFound();
            }
            Task? handled = null;
            HandleStreamingSubresource(context, new StreamingRequest(def.Plural, info.Namespace, name, sub, info.ProxyPath, user.Name, user.Groups), ref handled);
            if (handled is null)
            {
                throw new ApiException(501, "NotImplemented", $"the {def.Plural}/{sub} subresource is not served by this emulator build");
            }
            await handled.ConfigureAwait(false);
            return;
        }
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
                        var body = JsonUtil.Parse(await ReadBodyAsync(context).ConfigureAwait(false));
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

    // ---------------- list ----------------

    private sealed record ContinueToken(long Rv, string Start);

    private static string EncodeContinue(long rv, string start)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = rv, ["start"] = start + "\0" }, JsonUtil.Options);
        return Convert.ToBase64String(json).Replace('+', '-').Replace('/', '_').TrimEnd('=');
    }

    private static ContinueToken DecodeContinue(string token)
    {
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var node = JsonNode.Parse(Convert.FromBase64String(b64)) as JsonObject;
            var rv = JsonUtil.Long(node?["rv"]);
            var start = JsonUtil.Str(node?["start"]);
            if (rv is null || start is null || JsonUtil.Str(node?["v"]) != "meta.k8s.io/v1")
            {
                throw new FormatException("missing fields");
            }
            return new ContinueToken(rv.Value, start);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw ApiException.BadRequest("continue key is not valid: " + e.Message);
        }
    }

    private async Task WriteListAsync(HttpContext context, ResourceDef def, string? ns)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], def);
        var limit = 0;
        if (query["limit"].Count > 0 && (!int.TryParse(query["limit"][0], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 0))
        {
            throw ApiException.BadRequest("invalid limit: " + query["limit"][0]);
        }
        var store = _state.Store(def);
        var snapshot = store.Snapshot;
        var listRv = snapshot.ResourceVersion;
        string? start = null;
        if (query["continue"].Count > 0 && query["continue"][0] is { Length: > 0 } cont)
        {
            var token = DecodeContinue(cont);
            listRv = token.Rv;
            start = token.Start;
        }
        if (ns is not null && !def.Namespaced)
        {
            throw ApiException.PathNotFound();
        }
        IEnumerable<StoredObject> source;
        var pinned = fields.PinnedName;
        if (pinned is not null && (ns is not null || !def.Namespaced))
        {
            source = snapshot.TryGet(StoredObject.MakeKey(ns ?? "", pinned), out var one) && (start is null || string.CompareOrdinal(one.Key, start) >= 0) ? [one] : [];
        }
        else
        {
            var startKey = start;
            if (startKey is not null && ns is not null && string.CompareOrdinal(startKey, ns + "/") < 0)
            {
                startKey = ns + "/";
            }
            source = snapshot.Range(ns, startKey);
        }
        var filtered = labels.IsEmpty && fields.IsEmpty;
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        var output = response.BodyWriter;
        WriteAscii(output, "{\"kind\":\"");
        WriteAscii(output, def.ListKind);
        WriteAscii(output, "\",\"apiVersion\":\"");
        WriteAscii(output, def.ApiVersion);
        WriteAscii(output, "\",\"items\":[");
        Utf8JsonWriter? writer = null;
        var count = 0;
        string? lastKey = null;
        var more = false;
        var sinceFlush = 0;
        try
        {
            foreach (var o in source)
            {
                if (!labels.Matches(o) || !fields.Matches(o))
                {
                    continue;
                }
                if (limit > 0 && count == limit)
                {
                    more = true;
                    break;
                }
                if (count > 0)
                {
                    WriteAscii(output, ",");
                }
                o.WriteTo(output, ref writer);
                count++;
                lastKey = o.Key;
                if (++sinceFlush == 128)
                {
                    sinceFlush = 0;
                    var flush = await output.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                    if (flush.IsCanceled || flush.IsCompleted)
                    {
                        return;
                    }
                }
            }
        }
        finally
        {
            writer?.Dispose();
        }
        WriteAscii(output, "],\"metadata\":{\"resourceVersion\":\"");
        WriteAscii(output, JsonUtil.Rv(listRv));
        WriteAscii(output, "\"");
        if (more)
        {
            WriteAscii(output, ",\"continue\":\"");
            WriteAscii(output, EncodeContinue(listRv, lastKey!));
            WriteAscii(output, "\"");
            if (filtered && pinned is null)
            {
                var index = snapshot.LowerBound(lastKey! + "\0");
                var end = ns is null ? snapshot.Items.Count : snapshot.LowerBound(ns + "0"); // '0' sorts right after '/'
                var remaining = end - index;
                if (remaining > 0)
                {
                    WriteAscii(output, ",\"remainingItemCount\":");
                    WriteAscii(output, remaining.ToString(CultureInfo.InvariantCulture));
                }
            }
        }
        WriteAscii(output, "}}");
        await output.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteAscii(PipeWriter output, string s)
    {
        var span = output.GetSpan(s.Length);
        var n = Encoding.UTF8.GetBytes(s, span);
        output.Advance(n);
    }

    // ---------------- watch ----------------

    private async Task WatchAsync(HttpContext context, ResourceDef def, string? ns, string? name)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], def);
        var pinnedName = name ?? fields.PinnedName;
        long? from = null;
        var rvText = query["resourceVersion"].ToString();
        if (rvText.Length > 0 && rvText != "0")
        {
            if (!long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                throw ApiException.BadRequest($"invalid resource version \"{rvText}\"");
            }
            from = parsed;
        }
        var timeout = TimeSpan.Zero;
        if (query["timeoutSeconds"].Count > 0 && int.TryParse(query["timeoutSeconds"][0], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout = TimeSpan.FromSeconds(seconds);
        }
        var store = _state.Store(def);
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        if (!store.Watch(def.Namespaced ? ns : null, from, out var watcher, out var initial, out var oldest))
        {
            var status = ApiException.StatusJson(410, "Expired", $"too old resource version: {from} ({oldest})", null);
            await WriteEventAsync(response.BodyWriter, "ERROR", status, context.RequestAborted).ConfigureAwait(false);
            return;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        if (timeout > TimeSpan.Zero)
        {
            cts.CancelAfter(timeout);
        }
        var token = cts.Token;
        var output = response.BodyWriter;
        Utf8JsonWriter? writer = null;
        try
        {
            bool Matches(StoredObject o) => (pinnedName is null || o.Name == pinnedName) && labels.Matches(o) && fields.Matches(o);

            // Start the response at once so the client sees the watch established.
            await output.FlushAsync(token).ConfigureAwait(false);
            foreach (var e in initial)
            {
                WriteFiltered(output, e, Matches, ref writer);
            }
            await output.FlushAsync(token).ConfigureAwait(false);
            var reader = watcher.Channel.Reader;
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var e))
                {
                    WriteFiltered(output, e, Matches, ref writer);
                }
                var flush = await output.FlushAsync(token).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (WatcherOverflowException)
        {
            _logger.LogDebug("emulator: watch on {Resource} closed after its buffer overflowed", def.Plural);
        }
        finally
        {
            writer?.Dispose();
            store.Unwatch(watcher);
        }
    }

    private static readonly byte[] EventPrefixAdded = "{\"type\":\"ADDED\",\"object\":"u8.ToArray();
    private static readonly byte[] EventPrefixModified = "{\"type\":\"MODIFIED\",\"object\":"u8.ToArray();
    private static readonly byte[] EventPrefixDeleted = "{\"type\":\"DELETED\",\"object\":"u8.ToArray();
    private static readonly byte[] EventSuffix = "}\n"u8.ToArray();

    private static void WriteFiltered(PipeWriter output, WatchEvent e, Func<StoredObject, bool> matches, ref Utf8JsonWriter? writer)
    {
        var nowMatches = matches(e.Object);
        byte[] prefix;
        switch (e.Type)
        {
            case WatchEventType.Added:
                if (!nowMatches)
                {
                    return;
                }
                prefix = EventPrefixAdded;
                break;
            case WatchEventType.Deleted:
                if (!nowMatches && !(e.Old is not null && matches(e.Old)))
                {
                    return;
                }
                prefix = EventPrefixDeleted;
                break;
            default:
                var wasMatching = e.Old is not null && matches(e.Old);
                if (nowMatches)
                {
                    prefix = wasMatching ? EventPrefixModified : EventPrefixAdded;
                }
                else if (wasMatching)
                {
                    prefix = EventPrefixDeleted;
                }
                else
                {
                    return;
                }
                break;
        }
        output.Write(prefix);
        e.Object.WriteTo(output, ref writer);
        output.Write(EventSuffix);
    }

    private static async Task WriteEventAsync(PipeWriter output, string type, byte[] objectJson, CancellationToken ct)
    {
        WriteAscii(output, "{\"type\":\"" + type + "\",\"object\":");
        output.Write(objectJson);
        output.Write(EventSuffix);
        await output.FlushAsync(ct).ConfigureAwait(false);
    }
}
