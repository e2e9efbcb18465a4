using System.Diagnostics;
using System.Text;
using Kube.Access.TestSupport;

namespace Kube.Access.Proxy.Tests.Support;

/// <summary>A running <c>kubectl proxy --port=0 ...</c>; its port is read from the "Starting to serve on" line.</summary>
public sealed class KubectlProxy : IAsyncDisposable
{
    private readonly Process _process;

    private KubectlProxy(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public static async Task<KubectlProxy> StartAsync(string kubeconfig, params string[] extraArgs)
    {
        var home = Path.Combine(Path.GetDirectoryName(kubeconfig)!, "kubectl-proxy-home-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        var process = ToolProcess.Start(KubectlTool.Run(["proxy", "--port=0", .. extraArgs], kubeconfig, kubeconfigVariable: null, home));
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(cts.Token);
            const string prefix = "Starting to serve on ";
            if (line is null || !line.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"kubectl proxy printed \"{line}\"; stderr: {stderr}");
            }

            var port = int.Parse(line[(line.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            return new KubectlProxy(process, port);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}

/// <summary>Raw HTTP/1.1 requests with any Host header and method (HttpClient would fix the Host).</summary>
public static class RawHttp
{
    public sealed record Response(int Status, IReadOnlyDictionary<string, string> Headers, string Body);

    public static async Task<Response> SendAsync(int port, string method, string target, string? host = null, string? body = null, IEnumerable<(string, string)>? headers = null)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
        await using var stream = client.GetStream();
        var request = new StringBuilder();
        request.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n");
        request.Append("Host: ").Append(host ?? $"127.0.0.1:{port}").Append("\r\n");
        request.Append("Connection: close\r\n");
        foreach (var (name, value) in headers ?? [])
        {
            request.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        var bodyBytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        if (body is not null)
        {
            request.Append("Content-Type: application/json\r\nContent-Length: ").Append(bodyBytes.Length).Append("\r\n");
        }

        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
        await stream.WriteAsync(bodyBytes);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory, cts.Token);
        return Parse(memory.ToArray());
    }

    public static Response Parse(byte[] raw)
    {
        var text = Encoding.UTF8.GetString(raw);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = text[..split].Split("\r\n");
        var status = int.Parse(head[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var body = text[(split + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var decoded = new StringBuilder();
            var rest = body;
            while (true)
            {
                var lineEnd = rest.IndexOf("\r\n", StringComparison.Ordinal);
                var size = Convert.ToInt32(rest[..lineEnd].Split(';')[0], 16);
                if (size == 0)
                {
                    break;
                }

                // Sizes are in bytes; bodies here are ASCII JSON/text.
                decoded.Append(rest.AsSpan(lineEnd + 2, size));
                rest = rest[(lineEnd + 2 + size + 2)..];
            }

            body = decoded.ToString();
        }

        return new Response(status, headers, body);
    }
}
