using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using Kube.Access.Testing.Internal;
using Kube.Access.Testing.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Kube.Access.Testing.Http.HttpIo;

namespace Kube.Access.Testing.Http;

/// <summary>
/// Serves <c>watch</c>: resumes from a <c>resourceVersion</c> (410 when it is too old), filters by
/// name and selectors (an object leaving the selection is a DELETED event), honours
/// <c>timeoutSeconds</c>, and ends when the client goes or the emulator stops. Events carry one-row
/// Tables when the client's Accept prefers them.
/// </summary>
internal sealed class WatchHandler(EmulatorState state, ILogger logger, CancellationToken stopping)
{
    private static readonly byte[] EventPrefixAdded = "{\"type\":\"ADDED\",\"object\":"u8.ToArray();
    private static readonly byte[] EventPrefixModified = "{\"type\":\"MODIFIED\",\"object\":"u8.ToArray();
    private static readonly byte[] EventPrefixDeleted = "{\"type\":\"DELETED\",\"object\":"u8.ToArray();
    private static readonly byte[] EventSuffix = "}\n"u8.ToArray();

    public async Task WatchAsync(HttpContext context, ResourceDef def, string? ns, string? name)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], def);
        var pinnedName = name ?? fields.PinnedName;
        var table = TableRequest.Negotiate(context.Request, def);
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
        var store = state.Store(def);
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        if (!store.Watch(def.Namespaced ? ns : null, from, out var watcher, out var initial, out var oldest))
        {
            var status = ApiException.StatusJson(410, "Expired", $"too old resource version: {from} ({oldest})", null);
            await WriteEventAsync(response.BodyWriter, "ERROR", status, context.RequestAborted).ConfigureAwait(false);
            return;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
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
                WriteFiltered(output, e, Matches, table, ref writer);
            }
            await output.FlushAsync(token).ConfigureAwait(false);
            var reader = watcher.Channel.Reader;
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var e))
                {
                    WriteFiltered(output, e, Matches, table, ref writer);
                }
                var flush = await output.FlushAsync(token).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (WatcherOverflowException)
        {
            logger.LogDebug("emulator: watch on {Resource} closed after its buffer overflowed", def.Plural);
        }
        finally
        {
            writer?.Dispose();
            store.Unwatch(watcher);
        }
    }

    private static void WriteFiltered(PipeWriter output, WatchEvent e, Func<StoredObject, bool> matches, TableRequest? table, ref Utf8JsonWriter? writer)
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
        if (table is not null)
        {
            // As the apiserver: each event's object is a Table of one row; only the first carries the columns.
            TableWriter.WriteSingle(output, table, e.Object, DateTimeOffset.UtcNow, ref writer);
        }
        else
        {
            e.Object.WriteTo(output, ref writer);
        }
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
