using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Kube.Access.Channels;

namespace Kube.Access.Exec;

/// <summary>
/// A running exec or attach: stdin (channel 0), stdout (1), stderr (2), the exit status (3) and
/// terminal resizes (4) over one WebSocket. Dispose it to drop the connection.
/// </summary>
/// <remarks>
/// <para>Incoming channels are buffered up to <see cref="WebSocketChannelOptions.MaxBufferedBytesPerChannel"/> each;
/// a channel that is not read stops the whole connection (back-pressure), so read stdout and stderr
/// while waiting for the exit status.</para>
/// <para>Stdin ends only with <see cref="CloseStdinAsync"/> (completing <see cref="Stdin"/> or disposing
/// <see cref="StdinStream"/> does not end it). With <c>v4.channel.k8s.io</c> there is no way to end
/// stdin: <see cref="CloseStdinAsync"/> raises an <see cref="ExecException"/> instead of hanging.</para>
/// </remarks>
public sealed class ExecSession : IAsyncDisposable
{
    internal const byte StdinChannel = 0;
    internal const byte StdoutChannel = 1;
    internal const byte StderrChannel = 2;
    internal const byte StatusChannel = 3;
    internal const byte ResizeChannel = 4;

    private readonly WebSocketChannelConnection _channels;
    private readonly bool _stdinRequested;
    private readonly Task<ExecResult> _exit;
    private readonly SemaphoreSlim _stdinGate = new(1, 1);
    private readonly StdinWriter _stdinWriter;
    private Stream? _stdinStream;
    private Stream? _stdoutStream;
    private Stream? _stderrStream;
    private bool _stdinClosed;
    private int _disposed;

    internal ExecSession(WebSocketChannelConnection channels, string @namespace, string pod, string container, bool stdin, bool tty, string? defaultedContainerNotice, int maxFramePayload)
    {
        _channels = channels;
        Namespace = @namespace;
        Pod = pod;
        Container = container;
        _stdinRequested = stdin;
        Tty = tty;
        DefaultedContainerNotice = defaultedContainerNotice;
        _stdinWriter = new StdinWriter(this, maxFramePayload);
        Stdout = new ExecOutputReader(this, channels.GetInput(StdoutChannel), StdoutChannel);
        Stderr = new ExecOutputReader(this, channels.GetInput(StderrChannel), StderrChannel);
        _exit = ReadStatusAsync(channels.GetInput(StatusChannel));
    }

    /// <summary>The pod's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The pod.</summary>
    public string Pod { get; }

    /// <summary>The container the command runs in.</summary>
    public string Container { get; }

    /// <summary>Whether the session has a terminal (stderr is then merged into stdout by the server).</summary>
    public bool Tty { get; }

    /// <summary>
    /// kubectl's notice when the container was chosen for the caller (<c>Defaulted container "X" out of: a, b</c>),
    /// else null. kubectl prints it on stderr.
    /// </summary>
    public string? DefaultedContainerNotice { get; }

    /// <summary>
    /// For attach: kubectl's notice when a terminal was asked for but the container's process has none
    /// (<c>Unable to use a TTY - container X did not allocate one</c>); the session then runs without one.
    /// Attach to a container that has a terminal always gets one (<see cref="Tty"/> is true). Null otherwise.
    /// </summary>
    public string? TtyNotice { get; internal init; }

    /// <summary>The negotiated subprotocol (<c>v5.channel.k8s.io</c> or <c>v4.channel.k8s.io</c>).</summary>
    public string? Protocol => _channels.SubProtocol;

    /// <summary>True when stdin can be closed on its own (<c>v5.channel.k8s.io</c>).</summary>
    public bool CanCloseStdin => _channels.SupportsCloseChannel;

    /// <summary>
    /// Stdin as a <see cref="PipeWriter"/>: each flush sends what was written as frames on channel 0
    /// (no copy for up to one frame). Completing it does not end stdin: call <see cref="CloseStdinAsync"/>.
    /// </summary>
    public PipeWriter Stdin => _stdinWriter;

    /// <summary>Stdin as a write-only <see cref="Stream"/> (asynchronous writes only); disposing it does not end stdin.</summary>
    public Stream StdinStream => _stdinStream ??= new StdinStreamAdapter(this);

    /// <summary>Stdout (channel 1); completes at the end of the stream, fails with <see cref="ExecException"/> on a dropped connection.</summary>
    public PipeReader Stdout { get; }

    /// <summary>Stderr (channel 2); with a tty the server writes nothing here.</summary>
    public PipeReader Stderr { get; }

    /// <summary>Stdout as a read-only <see cref="Stream"/>.</summary>
    public Stream StdoutStream => _stdoutStream ??= Stdout.AsStream(leaveOpen: true);

    /// <summary>Stderr as a read-only <see cref="Stream"/>.</summary>
    public Stream StderrStream => _stderrStream ??= Stderr.AsStream(leaveOpen: true);

    /// <summary>
    /// Writes <paramref name="data"/> to stdin (frames of at most the configured payload, copied into one
    /// pooled buffer). Completes when the WebSocket took the bytes. Once the command has exited, input is
    /// dropped (it has no reader any more, as with kubectl).
    /// </summary>
    /// <exception cref="ExecException">Stdin was not requested or is closed; the connection was lost.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        EnsureStdinWritable();
        try
        {
            await _channels.WriteAsync(StdinChannel, data, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketChannelException ex)
        {
            await ThrowUnlessExitedAsync("writing stdin", ex).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends stdin (v5 close-channel frame for channel 0) after anything still buffered in <see cref="Stdin"/>;
    /// the command sees end of file. Stdout and stderr keep flowing to their end. Calling it twice, or after the
    /// command has exited, is harmless.
    /// </summary>
    /// <exception cref="ExecException">
    /// <see cref="ExecErrorKind.StdinCloseUnsupported"/> when the server negotiated <c>v4.channel.k8s.io</c>, which
    /// has no way to signal end of stdin; <see cref="ExecErrorKind.ConnectionLost"/> when the connection is gone.
    /// </exception>
    public async ValueTask CloseStdinAsync(CancellationToken cancellationToken = default)
    {
        if (!_stdinRequested)
        {
            return;
        }

        await _stdinGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stdinClosed)
            {
                return;
            }

            if (!_channels.SupportsCloseChannel)
            {
                throw new ExecException(
                    ExecErrorKind.StdinCloseUnsupported,
                    $"Cannot close stdin of pod {Namespace}/{Pod} container {Container}: the API server negotiated {_channels.SubProtocol ?? "an unknown protocol"}, " +
                    $"which has no end-of-stdin signal ({ChannelProtocols.V5} is needed, Kubernetes 1.30+); a command that reads stdin to its end would never finish.",
                    Namespace, Pod, Container);
            }

            await _stdinWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _channels.CloseChannelAsync(StdinChannel, cancellationToken).ConfigureAwait(false);
            }
            catch (WebSocketChannelException ex)
            {
                await ThrowUnlessExitedAsync("closing stdin", ex).ConfigureAwait(false);
            }

            _stdinClosed = true;
        }
        finally
        {
            _stdinGate.Release();
        }
    }

    /// <summary>Sends a terminal size on the resize channel (<c>{"Width":W,"Height":H}</c>); meaningful with a tty.</summary>
    public async ValueTask ResizeAsync(int width, int height, CancellationToken cancellationToken = default)
    {
        if (width < 0 || height < 0 || width > ushort.MaxValue || height > ushort.MaxValue)
        {
            throw new ExecException(ExecErrorKind.InvalidRequest, $"Terminal size {width}x{height} is out of range (0..65535).", Namespace, Pod, Container);
        }

        var json = new byte[40];
        var length = FormatResize(json, width, height);
        try
        {
            await _channels.WriteAsync(ResizeChannel, json.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketChannelException ex)
        {
            throw ConnectionLost("sending the terminal size", ex);
        }
    }

    /// <summary>
    /// Waits for the exit status (channel 3): <c>Success</c> is exit code 0, <c>NonZeroExitCode</c> gives the
    /// code. Read stdout and stderr meanwhile (or they may fill and stall the connection).
    /// </summary>
    /// <exception cref="ExecException">
    /// The status was another failure (<see cref="ExecErrorKind.Failed"/>, <see cref="ExecErrorKind.CommandNotFound"/>)
    /// or the connection ended without a status (<see cref="ExecErrorKind.ConnectionLost"/>).
    /// </exception>
    public Task<ExecResult> WaitForExitAsync(CancellationToken cancellationToken = default) => _exit.WaitAsync(cancellationToken);

    /// <summary>Drops the connection (if still open) and releases its buffers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _channels.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _exit.ConfigureAwait(false);
        }
        catch (ExecException)
        {
            // Observed: a session disposed early has no status.
        }

        _stdinWriter.Release();
    }

    internal ExecException ConnectionLost(string what, Exception inner) =>
        Volatile.Read(ref _disposed) != 0
            ? new ExecException(ExecErrorKind.ConnectionLost, $"The exec session in pod {Namespace}/{Pod} container {Container} was disposed ({what}).", Namespace, Pod, Container, innerException: inner)
            : new ExecException(ExecErrorKind.ConnectionLost, $"The connection to pod {Namespace}/{Pod} container {Container} was lost while {what}: {inner.Message}", Namespace, Pod, Container, innerException: inner);

    internal WebSocketChannelConnection Channels => _channels;

    /// <summary>
    /// A stdin send failed: when the command has already exited (its status arrived and the server closed the
    /// connection) the input has nowhere to go and is dropped, as kubectl does; otherwise the connection was lost.
    /// </summary>
    internal async ValueTask ThrowUnlessExitedAsync(string what, WebSocketChannelException ex)
    {
        try
        {
            // The send failed because the socket is closing or gone, so the incoming side ends promptly too.
            await _exit.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ExecException or TimeoutException)
        {
            throw ConnectionLost(what, ex);
        }
    }

    internal void EnsureStdinWritable()
    {
        if (!_stdinRequested)
        {
            throw new ExecException(ExecErrorKind.InvalidRequest, $"Stdin was not requested for pod {Namespace}/{Pod} container {Container} (set Stdin = true).", Namespace, Pod, Container);
        }

        if (_stdinClosed)
        {
            throw new ExecException(ExecErrorKind.InvalidRequest, $"Stdin of pod {Namespace}/{Pod} container {Container} is already closed.", Namespace, Pod, Container);
        }
    }

    internal static int FormatResize(Span<byte> buffer, int width, int height)
    {
        var at = 0;
        Append(buffer, ref at, "{\"Width\":"u8);
        Utf8Formatter.TryFormat(width, buffer[at..], out var w);
        at += w;
        Append(buffer, ref at, ",\"Height\":"u8);
        Utf8Formatter.TryFormat(height, buffer[at..], out var h);
        at += h;
        buffer[at++] = (byte)'}';
        return at;

        static void Append(Span<byte> buffer, ref int at, ReadOnlySpan<byte> text)
        {
            text.CopyTo(buffer[at..]);
            at += text.Length;
        }
    }

    private async Task<ExecResult> ReadStatusAsync(PipeReader reader)
    {
        await Task.Yield();
        byte[]? status = null;
        try
        {
            while (true)
            {
                ReadResult read;
                try
                {
                    read = await reader.ReadAsync().ConfigureAwait(false);
                }
                catch (WebSocketChannelException ex)
                {
                    throw ConnectionLost("waiting for the exit status", ex);
                }

                var buffer = read.Buffer;
                if (buffer.Length > 1024 * 1024)
                {
                    throw new ExecException(ExecErrorKind.Failed, $"The status of the command in pod {Namespace}/{Pod} container {Container} is larger than 1 MiB.", Namespace, Pod, Container);
                }

                if (read.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        status = buffer.ToArray();
                    }

                    reader.AdvanceTo(buffer.End);
                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }

        if (status is null)
        {
            throw new ExecException(
                ExecErrorKind.ConnectionLost,
                $"The connection to pod {Namespace}/{Pod} container {Container} closed before the command's exit status arrived.",
                Namespace, Pod, Container);
        }

        return ParseStatus(status, Namespace, Pod, Container);
    }

    /// <summary>The status-channel document as a result, or the typed error it describes (any input: result or <see cref="ExecException"/>).</summary>
    internal static ExecResult ParseStatus(byte[] json, string ns, string pod, string container)
    {
        string? statusText = null, reason = null, message = null, exitCause = null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                statusText = GetString(root, "status");
                reason = GetString(root, "reason");
                message = GetString(root, "message");
                if (root.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object
                    && details.TryGetProperty("causes", out var causes) && causes.ValueKind == JsonValueKind.Array)
                {
                    foreach (var cause in causes.EnumerateArray())
                    {
                        if (cause.ValueKind == JsonValueKind.Object && GetString(cause, "reason") == "ExitCode")
                        {
                            exitCause = GetString(cause, "message");
                        }
                    }
                }
            }
        }
        catch (JsonException ex)
        {
            throw new ExecException(ExecErrorKind.Failed, $"The exit status of the command in pod {ns}/{pod} container {container} is not a Status object: {ex.Message}",
                ns, pod, container, System.Text.Encoding.UTF8.GetString(json), innerException: ex);
        }

        if (statusText == "Success")
        {
            return ExecResult.Success;
        }

        if (statusText == "Failure" && reason == "NonZeroExitCode")
        {
            if (exitCause is not null && int.TryParse(exitCause, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var code))
            {
                return new ExecResult(code, reason, message);
            }

            throw new ExecException(ExecErrorKind.Failed, $"The command in pod {ns}/{pod} container {container} failed without a readable exit code: {message}", ns, pod, container, message);
        }

        var text = message ?? System.Text.Encoding.UTF8.GetString(json);
        var kind = text.Contains("executable file not found", StringComparison.Ordinal) || text.Contains("no such file or directory", StringComparison.Ordinal)
            ? ExecErrorKind.CommandNotFound
            : ExecErrorKind.Failed;
        throw new ExecException(kind, text, ns, pod, container, text);

        static string? GetString(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>Stdin as a PipeWriter over one pooled buffer whose first byte is the channel slot.</summary>
    private sealed class StdinWriter : PipeWriter
    {
        private readonly ExecSession _session;
        private readonly int _maxFrame;
        private byte[]? _buffer;
        private int _written;

        public StdinWriter(ExecSession session, int maxFrame)
        {
            _session = session;
            _maxFrame = maxFrame;
        }

        public override void Advance(int bytes)
        {
            if (bytes < 0 || _buffer is null || _written + bytes > _buffer.Length - 1)
            {
                throw new ArgumentOutOfRangeException(nameof(bytes));
            }

            _written += bytes;
        }

        public override Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsMemory(1 + _written);
        }

        public override Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsSpan(1 + _written);
        }

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
            // Stdin stays open: CloseStdinAsync is the end-of-file signal.
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            if (_written == 0)
            {
                return default;
            }

            _session.EnsureStdinWritable();
            var buffer = _buffer!;
            var count = _written;
            _written = 0;
            try
            {
                if (count <= _maxFrame)
                {
                    await _session.Channels.WriteFrameAsync(StdinChannel, buffer.AsMemory(0, count + 1), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _session.Channels.WriteAsync(StdinChannel, buffer.AsMemory(1, count), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (WebSocketChannelException ex)
            {
                await _session.ThrowUnlessExitedAsync("writing stdin", ex).ConfigureAwait(false);
            }

            return default;
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public override async ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            await _session.WriteStdinAsync(source, cancellationToken).ConfigureAwait(false);
            return default;
        }

        public void Release()
        {
            if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private void Ensure(int sizeHint)
        {
            sizeHint = Math.Max(sizeHint, 1);
            if (_buffer is null)
            {
                _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(_maxFrame, sizeHint) + 1);
                return;
            }

            if (_buffer.Length - 1 - _written >= sizeHint)
            {
                return;
            }

            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, 1 + _written + sizeHint));
            _buffer.AsSpan(0, 1 + _written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }

    /// <summary>Stdin as a write-only stream: each write goes out at once as frames on channel 0.</summary>
    private sealed class StdinStreamAdapter(ExecSession session) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) =>
            throw new NotSupportedException("Stdin of an exec session is written asynchronously only (WriteAsync).");

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            session.WriteStdinAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            session.WriteStdinAsync(buffer, cancellationToken);
    }

    /// <summary>An incoming channel whose connection failures surface as <see cref="ExecException"/>.</summary>
    private sealed class ExecOutputReader(ExecSession session, PipeReader inner, byte channel) : PipeReader
    {
        private string What => channel == StdoutChannel ? "reading stdout" : "reading stderr";

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            ValueTask<ReadResult> pending;
            try
            {
                pending = inner.ReadAsync(cancellationToken);
            }
            catch (WebSocketChannelException ex)
            {
                throw session.ConnectionLost(What, ex);
            }

            return pending.IsCompletedSuccessfully ? pending : AwaitRead(pending);
        }

        public override bool TryRead(out ReadResult result)
        {
            try
            {
                return inner.TryRead(out result);
            }
            catch (WebSocketChannelException ex)
            {
                throw session.ConnectionLost(What, ex);
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<ReadResult> AwaitRead(ValueTask<ReadResult> pending)
        {
            try
            {
                return await pending.ConfigureAwait(false);
            }
            catch (WebSocketChannelException ex)
            {
                throw session.ConnectionLost(What, ex);
            }
        }
    }
}
