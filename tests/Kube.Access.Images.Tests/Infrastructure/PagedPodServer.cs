using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Kube.Access.Images.Tests.Infrastructure;

/// <summary>
/// A minimal API server on loopback serving pod lists with kubectl's paging protocol (limit, continue,
/// remainingItemCount) and able to expire a continue token (410 Gone, reason Expired) or refuse a list —
/// for the protocol corners the shared emulator does not let a test force.
/// </summary>
public sealed class PagedPodServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<JsonObject> _pods;

    public PagedPodServer(IEnumerable<JsonObject> pods)
    {
        _pods = pods.ToList();
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _loop = AcceptLoopAsync();
    }

    public Uri Url { get; }

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Page offsets whose continue token answers 410 Gone once.</summary>
    public ConcurrentDictionary<int, bool> ExpireOnceAtOffset { get; } = new();

    /// <summary>A page offset whose continue token always answers 410 Gone.</summary>
    public int? AlwaysExpireAtOffset { get; set; }

    /// <summary>When set, every list answers this status with a Status body.</summary>
    public (int Code, string Reason)? Refuse { get; set; }

    public static JsonObject Pod(string ns, string name, IDictionary<string, string>? labels, params (string Kind, string Name, string Image, string? ImageId)[] containers)
    {
        var spec = new JsonObject();
        var status = new JsonObject();
        foreach (var group in containers.GroupBy(c => c.Kind))
        {
            string specKey = group.Key switch { "init" => "initContainers", "ephemeral" => "ephemeralContainers", _ => "containers" };
            string statusKey = group.Key switch { "init" => "initContainerStatuses", "ephemeral" => "ephemeralContainerStatuses", _ => "containerStatuses" };
            spec[specKey] = new JsonArray(group.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["image"] = c.Image }).ToArray());
            var statuses = group.Where(c => c.ImageId is not null)
                .Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["image"] = c.Image, ["imageID"] = c.ImageId, ["ready"] = true }).ToArray();
            if (statuses.Length > 0)
            {
                status[statusKey] = new JsonArray(statuses);
            }
        }

        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns, ["uid"] = Guid.NewGuid().ToString() };
        if (labels is not null)
        {
            metadata["labels"] = new JsonObject(labels.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        }

        // status before spec on purpose: readers must not depend on property order.
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = metadata, ["status"] = status, ["spec"] = spec };
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            while (true)
            {
                var head = await ReadHeadAsync(stream);
                if (head is null)
                {
                    return;
                }

                string target = head.Split("\r\n")[0].Split(' ')[1];
                Requests.Enqueue(target);
                var (status, body) = Handle(target);
                var bytes = Encoding.UTF8.GetBytes(body);
                var header = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(header));
                await stream.WriteAsync(bytes);
            }
        }
    }

    private static async Task<string?> ReadHeadAsync(NetworkStream stream)
    {
        var sb = new StringBuilder();
        var one = new byte[1];
        while (!sb.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            int n;
            try
            {
                n = await stream.ReadAsync(one);
            }
            catch (IOException)
            {
                return null;
            }

            if (n == 0)
            {
                return null;
            }

            sb.Append((char)one[0]);
        }

        return sb.ToString();
    }

    private (int Status, string Body) Handle(string target)
    {
        if (Refuse is { } refuse)
        {
            return (refuse.Code, StatusBody(refuse.Code, refuse.Reason, $"pods is {refuse.Reason.ToLowerInvariant()}"));
        }

        var uri = new Uri("http://x" + target);
        var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
        string path = uri.AbsolutePath;
        string? ns = null;
        if (path.StartsWith("/api/v1/namespaces/", StringComparison.Ordinal))
        {
            ns = Uri.UnescapeDataString(path.Split('/')[4]);
        }
        else if (path != "/api/v1/pods")
        {
            return (404, StatusBody(404, "NotFound", "the server could not find the requested resource"));
        }

        IEnumerable<JsonObject> matching = _pods;
        if (ns is not null)
        {
            matching = matching.Where(p => (string?)p["metadata"]!["namespace"] == ns);
        }

        if (query["labelSelector"] is { Length: > 0 } selector)
        {
            var parts = selector.Split('=', 2);
            matching = matching.Where(p => (string?)p["metadata"]!["labels"]?[parts[0]] == parts[1]);
        }

        var all = matching.ToList();
        int limit = int.TryParse(query["limit"], out int l) && l > 0 ? l : int.MaxValue;
        int offset = 0;
        if (query["continue"] is { Length: > 0 } token)
        {
            offset = int.Parse(token.Split('-')[1]);
            if (ExpireOnceAtOffset.TryRemove(offset, out _) || offset == AlwaysExpireAtOffset)
            {
                return (410, StatusBody(410, "Expired", "The provided continue parameter is too old to display a consistent list result."));
            }
        }

        var page = all.Skip(offset).Take(limit).ToList();
        int next = offset + page.Count;
        var metadata = new JsonObject { ["resourceVersion"] = "1000" };
        if (next < all.Count)
        {
            metadata["continue"] = $"c-{next}";
            metadata["remainingItemCount"] = all.Count - next;
        }

        var list = new JsonObject
        {
            ["kind"] = "PodList",
            ["apiVersion"] = "v1",
            ["metadata"] = metadata,
            ["items"] = new JsonArray(page.Select(p => (JsonNode)p.DeepClone()).ToArray()),
        };
        return (200, list.ToJsonString());
    }

    private static string StatusBody(int code, string reason, string message) =>
        new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["message"] = message, ["reason"] = reason, ["code"] = code }.ToJsonString();

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
