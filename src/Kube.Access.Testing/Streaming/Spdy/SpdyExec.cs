using System.Buffers;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace Kube.Access.Testing.Streaming.Spdy;

/// <summary>
/// <c>pods/{name}/exec</c> and <c>attach</c> over SPDY, as the kubelet serves them: the client
/// opens one stream per <c>streamType</c> (error, stdin, stdout, stderr, and resize with a tty from
/// v3); the process runs once every expected stream is there; its output ends with FIN on stdout
/// and stderr, then the status on the error stream: a v1 Status JSON in v4 (exit codes as an
/// <c>ExitCode</c> cause), the failure's text in v1-v3.
/// </summary>
internal static class SpdyExec
{
    /// <summary>The SPDY remote-command protocols, most preferred first (<c>X-Stream-Protocol-Version</c>).</summary>
    public static readonly string[] Protocols = ["v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"];

    /// <summary>How long the streams may take to arrive (the kubelet's stream creation timeout).</summary>
    private static readonly TimeSpan StreamCreationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Serves the plain upgrade (<c>Upgrade: SPDY/3.1</c>).</summary>
    public static async Task ServeUpgradeAsync(HttpContext context, ExecHandler.ExecSession exec)
    {
        var offered = SpdyTransport.OfferedProtocols(context);
        var protocol = SpdyTransport.Negotiate(offered, Protocols);
        if (protocol is null)
        {
            await SpdyTransport.RefuseAsync(context, offered, Protocols).ConfigureAwait(false);
            return;
        }

        var transport = await SpdyTransport.AcceptUpgradeAsync(context, protocol).ConfigureAwait(false);
        if (transport is null)
        {
            return;
        }

        await using (transport.ConfigureAwait(false))
        {
            await ServeAsync(transport, exec, protocol.Length == 0 ? Protocols[^1] : protocol, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Serves SPDY tunnelled in a WebSocket (<c>SPDY/3.1+v4.channel.k8s.io</c>, ...).</summary>
    public static async Task ServeTunnelAsync(HttpContext context, ExecHandler.ExecSession exec, string protocol)
    {
        var transport = await SpdyTransport.AcceptTunnelAsync(context, protocol).ConfigureAwait(false);
        await using (transport.ConfigureAwait(false))
        {
            await ServeAsync(transport, exec, protocol, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task ServeAsync(Stream transport, ExecHandler.ExecSession exec, string protocol, CancellationToken aborted)
    {
        var version = protocol switch
        {
            "v4.channel.k8s.io" => 4,
            "v3.channel.k8s.io" => 3,
            "v2.channel.k8s.io" => 2,
            _ => 1,
        };
        using var lifetime = exec.Lifetime(aborted);
        var ct = lifetime.Token;
        var gate = new object();
        SpdyStream? error = null, stdin = null, stdout = null, stderr = null, resize = null;
        var wantResize = exec.Tty && version >= 3;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var extra = new List<SpdyStream>();
        await using var session = new SpdySession(transport, async stream =>
        {
            await stream.ReplyAsync().ConfigureAwait(false);
            lock (gate)
            {
                switch (stream.Header("streamtype"))
                {
                    case "error" when error is null:
                        error = stream;
                        break;
                    case "stdin" when stdin is null && exec.Stdin:
                        stdin = stream;
                        break;
                    case "stdout" when stdout is null && exec.Stdout:
                        stdout = stream;
                        break;
                    case "stderr" when stderr is null && exec.Stderr:
                        stderr = stream;
                        break;
                    case "resize" when resize is null && wantResize:
                        resize = stream;
                        break;
                    default:
                        // A stream this request did not ask for: answered, then closed from our side.
                        extra.Add(stream);
                        break;
                }

                if (error is not null && (stdin is not null || !exec.Stdin) && (stdout is not null || !exec.Stdout)
                    && (stderr is not null || !exec.Stderr) && (resize is not null || !wantResize))
                {
                    ready.TrySetResult();
                }
            }
        });

        var reading = session.RunAsync(ct);
        var arrived = await Task.WhenAny(ready.Task, reading, Task.Delay(StreamCreationTimeout, ct)).ConfigureAwait(false);
        if (arrived != ready.Task)
        {
            // The client went away, or never opened its streams (the kubelet gives up the same way).
            await session.SendGoAwayAsync(0).ConfigureAwait(false);
            return;
        }

        var resizes = Channel.CreateBounded<TerminalSize>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest });
        var resizing = resize is null ? Task.CompletedTask : ReadResizesAsync(resize, resizes.Writer, ct);
        if (resize is null)
        {
            resizes.Writer.TryComplete();
        }

        var translate = exec.Tty && exec.Handler is null;
        Stream output = stdout is null ? Stream.Null : new SpdyOutputStream(stdout, translate);
        var errors = exec.Tty ? output : stderr is null ? Stream.Null : new SpdyOutputStream(stderr, translate);
        int exitCode;
        string? internalError;
        try
        {
            (exitCode, internalError) = await exec.RunAsync(stdin ?? Stream.Null, output, errors, resizes.Reader, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        foreach (var stream in new[] { stdout, stderr, stdin, resize }.Concat(extra))
        {
            if (stream is not null)
            {
                await stream.CloseWriteAsync().ConfigureAwait(false);
            }
        }

        var status = version >= 4 ? ExecHandler.StatusJson(exitCode, internalError, exec.Command) : ExecHandler.StatusText(exitCode, internalError, exec.Command);
        try
        {
            if (status.Length > 0)
            {
                await error!.WriteAsync(status, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The client is gone.
        }

        await error!.CloseWriteAsync().ConfigureAwait(false);

        // The client closes the connection once it has read the status; one that does not is dropped.
        try
        {
            await reading.WaitAsync(ChannelWebSocket.CloseGrace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await session.SendGoAwayAsync(0).ConfigureAwait(false);
        }

        await resizing.ConfigureAwait(false);
    }

    /// <summary>Reads the resize stream: JSON <c>{"Width":..,"Height":..}</c> documents, one a line.</summary>
    private static async Task ReadResizesAsync(SpdyStream resize, ChannelWriter<TerminalSize> sizes, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    filled = 0; // a line longer than any resize document: drop it
                }

                var n = await resize.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                filled += n;
                int newline;
                while ((newline = buffer.AsSpan(0, filled).IndexOf((byte)'\n')) >= 0)
                {
                    if (ExecHandler.TryParseResize(buffer.AsSpan(0, newline), out var size))
                    {
                        sizes.TryWrite(size);
                    }

                    buffer.AsSpan(newline + 1, filled - newline - 1).CopyTo(buffer);
                    filled -= newline + 1;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The session ended.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            sizes.TryComplete();
        }
    }

    /// <summary>A process's output stream on a SPDY stream (a tty's <c>\n</c> becomes <c>\r\n</c>).</summary>
    private sealed class SpdyOutputStream(SpdyStream stream, bool translateNewlines) : Stream
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                return;
            }

            if (!translateNewlines)
            {
                await stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                return;
            }

            var translated = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
            try
            {
                var count = 0;
                foreach (var b in buffer.Span)
                {
                    if (b == (byte)'\n')
                    {
                        translated[count++] = (byte)'\r';
                    }

                    translated[count++] = b;
                }

                await stream.WriteAsync(translated.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(translated);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) =>
            throw new NotSupportedException("Exec output streams are asynchronous: use WriteAsync.");

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
