using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kube.Access.Cli.Tests;

/// <summary>A loopback HTTP server that serves one manifest at any path (or 404 when it has none).</summary>
internal sealed class ManifestServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private ManifestServer(TcpListener listener, string? body)
    {
        _listener = listener;
        Url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/";
        _loop = Task.Run(() => ServeAsync(body));
    }

    public string Url { get; }

    public static Task<ManifestServer> StartAsync(string? body)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return Task.FromResult(new ManifestServer(listener, body));
    }

    private async Task ServeAsync(string? body)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (socket)
                await using (var stream = new NetworkStream(socket))
                {
                    using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                    while (await reader.ReadLineAsync() is { Length: > 0 })
                    {
                    }
                    var content = Encoding.UTF8.GetBytes(body ?? "404 page not found\n");
                    var head = $"HTTP/1.1 {(body is null ? "404 Not Found" : "200 OK")}\r\nContent-Type: text/plain\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                    await stream.WriteAsync(content);
                }
            });
        }
    }

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
