using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;

namespace Kube.Access.Testing.Streaming;

/// <summary>A request as seen by an emulated pod's HTTP server.</summary>
internal sealed record PodHttpRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers);

/// <summary>The answer of an emulated pod's HTTP server.</summary>
internal sealed record PodHttpResponse(int Status, string Reason, string ContentType, byte[] Body);

/// <summary>
/// A small HTTP/1.1 server for emulated pods (the Hello backend, nginx serving its html
/// directory): keep-alive, Content-Length and chunked request bodies (read and dropped),
/// <c>Connection: close</c> and HTTP/1.0 honoured.
/// </summary>
internal static class PodHttpServer
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    /// <summary>The built-in Hello backend's answer.</summary>
    public static PodHttpResponse Hello(PodHttpRequest request) =>
        new(200, "OK", "text/plain; charset=utf-8", "Hello Kubernetes!"u8.ToArray());

    /// <summary>Serves one connection until the client closes it or asks to.</summary>
    public static async Task ServeAsync(Socket socket, Func<PodHttpRequest, PodHttpResponse> handler, CancellationToken ct)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = PipeReader.Create(stream);
        try
        {
            while (true)
            {
                var head = await ReadHeadAsync(reader, ct).ConfigureAwait(false);
                if (head is null)
                {
                    return;
                }

                var (request, version) = Parse(head);
                if (request is null)
                {
                    await WriteAsync(stream, new PodHttpResponse(400, "Bad Request", "text/plain", "bad request"u8.ToArray()), "HEAD", close: true, ct).ConfigureAwait(false);
                    return;
                }

                if (!await SkipBodyAsync(reader, request.Headers, ct).ConfigureAwait(false))
                {
                    return;
                }

                var close = version == "HTTP/1.0"
                    || (request.Headers.TryGetValue("connection", out var connection) && connection.Contains("close", StringComparison.OrdinalIgnoreCase));
                var response = handler(request);
                await WriteAsync(stream, response, request.Method, close, ct).ConfigureAwait(false);
                if (close)
                {
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static async Task<string?> ReadHeadAsync(PipeReader reader, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            var position = Find(buffer, HeaderEnd);
            if (position is { } end)
            {
                var headBytes = buffer.Slice(0, end);
                var text = Encoding.Latin1.GetString(headBytes);
                reader.AdvanceTo(buffer.GetPosition(HeaderEnd.Length, end));
                return text;
            }

            if (result.IsCompleted || buffer.Length > 64 * 1024)
            {
                reader.AdvanceTo(buffer.End);
                return null;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static SequencePosition? Find(ReadOnlySequence<byte> buffer, byte[] needle)
    {
        var sequenceReader = new SequenceReader<byte>(buffer);
        if (sequenceReader.TryReadTo(out ReadOnlySequence<byte> _, needle, advancePastDelimiter: false))
        {
            return sequenceReader.Position;
        }

        return null;
    }

    private static (PodHttpRequest? Request, string Version) Parse(string head)
    {
        var lines = head.Split("\r\n");
        var parts = lines[0].Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return (null, "HTTP/1.1");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                return (null, parts[2]);
            }

            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        return (new PodHttpRequest(parts[0], parts[1], headers), parts[2]);
    }

    private static async Task<bool> SkipBodyAsync(PipeReader reader, IReadOnlyDictionary<string, string> headers, CancellationToken ct)
    {
        if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                var line = await ReadLineAsync(reader, ct).ConfigureAwait(false);
                if (line is null)
                {
                    return false;
                }

                var semicolon = line.IndexOf(';');
                var sizeText = semicolon >= 0 ? line[..semicolon] : line;
                if (!long.TryParse(sizeText.Trim(), System.Globalization.NumberStyles.HexNumber, null, out var size) || size < 0)
                {
                    return false;
                }

                if (size == 0)
                {
                    // Trailers end with an empty line.
                    while (true)
                    {
                        var trailer = await ReadLineAsync(reader, ct).ConfigureAwait(false);
                        if (trailer is null)
                        {
                            return false;
                        }

                        if (trailer.Length == 0)
                        {
                            return true;
                        }
                    }
                }

                if (!await SkipBytesAsync(reader, size + 2, ct).ConfigureAwait(false))
                {
                    return false;
                }
            }
        }

        if (headers.TryGetValue("content-length", out var lengthText) && long.TryParse(lengthText, out var length) && length > 0)
        {
            return await SkipBytesAsync(reader, length, ct).ConfigureAwait(false);
        }

        return true;
    }

    private static async Task<string?> ReadLineAsync(PipeReader reader, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (Find(buffer, CrLf) is { } end)
            {
                var text = Encoding.Latin1.GetString(buffer.Slice(0, end));
                reader.AdvanceTo(buffer.GetPosition(2, end));
                return text;
            }

            if (result.IsCompleted || buffer.Length > 16 * 1024)
            {
                reader.AdvanceTo(buffer.End);
                return null;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static async Task<bool> SkipBytesAsync(PipeReader reader, long count, CancellationToken ct)
    {
        while (count > 0)
        {
            var result = await reader.ReadAsync(ct).ConfigureAwait(false);
            var take = Math.Min(count, result.Buffer.Length);
            reader.AdvanceTo(result.Buffer.GetPosition(take));
            count -= take;
            if (count > 0 && result.IsCompleted)
            {
                return false;
            }
        }

        return true;
    }

    private static async Task WriteAsync(Stream stream, PodHttpResponse response, string method, bool close, CancellationToken ct)
    {
        var head = new StringBuilder()
            .Append("HTTP/1.1 ").Append(response.Status).Append(' ').Append(response.Reason).Append("\r\n")
            .Append("Server: kube-access-emulator\r\n")
            .Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("r", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("Content-Type: ").Append(response.ContentType).Append("\r\n")
            .Append("Content-Length: ").Append(response.Body.Length).Append("\r\n");
        if (close)
        {
            head.Append("Connection: close\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), ct).ConfigureAwait(false);
        if (!string.Equals(method, "HEAD", StringComparison.OrdinalIgnoreCase))
        {
            await stream.WriteAsync(response.Body, ct).ConfigureAwait(false);
        }

        await stream.FlushAsync(ct).ConfigureAwait(false);
    }
}
