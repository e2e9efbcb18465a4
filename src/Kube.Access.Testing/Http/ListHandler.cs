using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kube.Access.Testing.Internal;
using Kube.Access.Testing.Tables;
using Microsoft.AspNetCore.Http;
using static Kube.Access.Testing.Http.HttpIo;

namespace Kube.Access.Testing.Http;

/// <summary>
/// Serves <c>list</c>: label and field selectors, <c>limit</c> and <c>continue</c> paging over a
/// consistent snapshot, <c>remainingItemCount</c>, written straight into the response pipe; as a
/// <c>meta.k8s.io/v1</c> Table when the client's Accept prefers one.
/// </summary>
internal sealed class ListHandler(EmulatorState state)
{
    private sealed record ContinueToken(long Rv, string Start);

    public async Task WriteListAsync(HttpContext context, ResourceDef def, string? ns)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], def);
        var table = TableRequest.Negotiate(context.Request, def);
        var limit = 0;
        if (query["limit"].Count > 0 && (!int.TryParse(query["limit"][0], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 0))
        {
            throw ApiException.BadRequest("invalid limit: " + query["limit"][0]);
        }
        var store = state.Store(def);
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
        Utf8JsonWriter? writer = null;
        Utf8JsonWriter? rowWriter = null;
        var now = DateTimeOffset.UtcNow;
        if (table is not null)
        {
            TableWriter.WriteHead(output, table, ref rowWriter);
        }
        else
        {
            WriteAscii(output, "{\"kind\":\"");
            WriteAscii(output, def.ListKind);
            WriteAscii(output, "\",\"apiVersion\":\"");
            WriteAscii(output, def.ApiVersion);
            WriteAscii(output, "\",\"items\":[");
        }
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
                if (table is not null)
                {
                    TableWriter.WriteRow(output, table, o, now, ref rowWriter);
                }
                else
                {
                    o.WriteTo(output, ref writer);
                }
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
            rowWriter?.Dispose();
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
}
