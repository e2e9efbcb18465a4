using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Security.Cryptography;
using FluentAssertions;
using Kube.Access.Channels;
using Xunit;

namespace Kube.Access.Tests.Channels;

public sealed class WebSocketChannelConnectionTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    private static async Task<byte[]> ReadToEndAsync(PipeReader reader, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            foreach (var segment in result.Buffer)
            {
                ms.Write(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                await reader.CompleteAsync();
                return ms.ToArray();
            }
        }
    }

    private static byte[] Frame(byte channel, params byte[] payload) => [channel, .. payload];

    [Fact]
    public async Task Demultiplexes_interleaved_and_fragmented_messages_into_their_channels()
    {
        var ct = Timeout;
        await using var pair = await WebSocketPair.CreateAsync();
        await using var mux = WebSocketChannelConnection.Start(pair.Client);

        await pair.Server.SendAsync(Frame(1, 10, 11), WebSocketMessageType.Binary, true, ct);
        await pair.Server.SendAsync(Frame(2, 20), WebSocketMessageType.Binary, true, ct);
        // One message for channel 1 in three fragments: the channel byte only comes with the first.
        await pair.Server.SendAsync(Frame(1, 12), WebSocketMessageType.Binary, false, ct);
        await pair.Server.SendAsync(new byte[] { 13, 14 }, WebSocketMessageType.Binary, false, ct);
        await pair.Server.SendAsync(new byte[] { 15 }, WebSocketMessageType.Binary, true, ct);
        await pair.Server.SendAsync(Frame(2), WebSocketMessageType.Binary, true, ct); // empty payload
        await pair.Server.SendAsync(Frame(2, 21, 22), WebSocketMessageType.Binary, true, ct);
        await pair.Server.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);

        (await ReadToEndAsync(mux.GetInput(1), ct)).Should().Equal(10, 11, 12, 13, 14, 15);
        (await ReadToEndAsync(mux.GetInput(2), ct)).Should().Equal(20, 21, 22);
        // A channel nobody wrote to ends empty once the socket is closed.
        (await ReadToEndAsync(mux.GetInput(7), ct)).Should().BeEmpty();
        await mux.Completion.WaitAsync(ct);
        pair.Client.State.Should().Be(WebSocketState.Closed, "the client answered the server's close frame");
    }

    [Fact]
    public async Task Keeps_frames_of_a_channel_that_is_asked_for_only_later()
    {
        var ct = Timeout;
        await using var pair = await WebSocketPair.CreateAsync();
        await using var mux = WebSocketChannelConnection.Start(pair.Client);

        await pair.Server.SendAsync(Frame(3, 1, 2, 3), WebSocketMessageType.Binary, true, ct);
        await pair.Server.SendAsync(Frame(0, 9), WebSocketMessageType.Binary, true, ct);
        // Channel 0's byte arrives after channel 3's, so once it is read channel 3's frame has been demultiplexed.
        var zero = await mux.GetInput(0).ReadAtLeastAsync(1, ct);
        zero.Buffer.FirstSpan[0].Should().Be(9);

        var three = await mux.GetInput(3).ReadAtLeastAsync(3, ct);
        three.Buffer.ToArray().Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task Writes_split_payloads_into_frames_each_starting_with_the_channel()
    {
        var ct = Timeout;
        await using var pair = await WebSocketPair.CreateAsync();
        await using var mux = WebSocketChannelConnection.Start(pair.Client, new WebSocketChannelOptions { MaxFramePayload = 1000 });
        var payload = RandomNumberGenerator.GetBytes(2500);

        await mux.WriteAsync(4, payload, ct);

        var received = new List<byte>();
        foreach (var expectedLength in new[] { 1000, 1000, 500 })
        {
            var (type, data) = await pair.ReceiveMessageAsync(ct);
            type.Should().Be(WebSocketMessageType.Binary);
            data.Length.Should().Be(expectedLength + 1);
            data[0].Should().Be(4);
            received.AddRange(data.Skip(1));
        }

        received.Should().Equal(payload);
    }

    [Fact]
    public async Task WriteFrameAsync_sends_the_buffer_with_the_channel_in_its_first_byte()
    {
        var ct = Timeout;
        await using var pair = await WebSocketPair.CreateAsync();
        await using var mux = WebSocketChannelConnection.Start(pair.Client);
        var buffer = new byte[] { 0xEE, 1, 2, 3 };

        await mux.WriteFrameAsync(6, buffer, ct);

        var (_, data) = await pair.ReceiveMessageAsync(ct);
        data.Should().Equal(6, 1, 2, 3);
    }

    [Fact]
    public async Task Concurrent_writers_never_interleave_inside_a_frame()
    {
        var ct = Timeout;
        await using var pair = await WebSocketPair.CreateAsync();
        await using var mux = WebSocketChannelConnection.Start(pair.Client, new WebSocketChannelOptions { MaxFramePayload = 512 });
        const int writers = 8, writesEach = 50, size = 700;

        var sends = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var payload = Enumerable.Repeat((byte)w, size).ToArray();
            for (var i = 0; i < writesEach; i++)
            {
                await mux.WriteAsync((byte)w, payload, ct);
            }
        })).ToArray();

        var perChannel = new long[writers];
        for (var m = 0; m < writers * writesEach * 2; m++)
        {
            var (_, data) = await pair.ReceiveMessageAsync(ct);
            var channel = data[0];
            data.Skip(1).Should().OnlyContain(b => b == channel, "a frame carries only its own channel's bytes");
            perChannel[channel] += data.Length - 1;
        }

        await Task.WhenAll(sends);
        perChannel.Should().OnlyContain(n => n == writesEach * size);
    }

    [Fact]
    public async Task A_full_channel_stops_the_socket_reader_so_buffered_bytes_stay_bounded()
    {
        var ct = Timeout;
        await using var pair = await WebSocketPair.CreateAsync();
        var options = new WebSocketChannelOptions { MaxBufferedBytesPerChannel = 64 * 1024, ReceiveSegmentSize = 4096 };
        await using var mux = WebSocketChannelConnection.Start(pair.Client, options);
        var payload = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);

        var send = Task.Run(async () =>
        {
            for (var offset = 0; offset < payload.Length; offset += 8192)
            {
                await pair.Server.SendAsync(Frame(1, payload.AsSpan(offset, 8192).ToArray()), WebSocketMessageType.Binary, true, ct);
            }

            await pair.Server.SendAsync(Frame(2, 42), WebSocketMessageType.Binary, true, ct);
        }, ct);

        var reader = mux.GetInput(1);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0, maxBuffered = 0;
        while (total < payload.Length)
        {
            var result = await reader.ReadAsync(ct);
            maxBuffered = Math.Max(maxBuffered, result.Buffer.Length);
            // Consume slowly, one small piece at a time: a reader without back-pressure would pile up megabytes.
            var take = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, 4096));
            foreach (var segment in take)
            {
                sha.AppendData(segment.Span);
            }

            total += take.Length;
            reader.AdvanceTo(take.End);
            await Task.Yield();
        }

        await send;
        sha.GetHashAndReset().Should().Equal(SHA256.HashData(payload));
        maxBuffered.Should().BeLessThanOrEqualTo(options.MaxBufferedBytesPerChannel + 2 * options.ReceiveSegmentSize);
        var two = await mux.GetInput(2).ReadAtLeastAsync(1, ct);
        two.Buffer.FirstSpan[0].Should().Be(42);
    }

    [Fact]
    public async Task A_reader_that_completes_early_does_not_stall_the_other_channels()
    {
        var ct = Timeout;
        await using var pair = await WebSocketPair.CreateAsync();
        await using var mux = WebSocketChannelConnection.Start(pair.Client, new WebSocketChannelOptions { MaxBufferedBytesPerChannel = 4096 });
        await mux.GetInput(1).CompleteAsync();

        var send = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                await pair.Server.SendAsync(Frame(1, new byte[1000]), WebSocketMessageType.Binary, true, ct);
            }

            await pair.Server.SendAsync(Frame(2, 7), WebSocketMessageType.Binary, true, ct);
            await pair.Server.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        }, ct);

        (await ReadToEndAsync(mux.GetInput(2), ct)).Should().Equal(7);
        await send;
    }

    [Fact]
    public async Task V5_close_channel_frame_completes_only_that_channel()
    {
        var ct = Timeout;
        await using var pair = await WebSocketPair.CreateAsync(ChannelProtocols.V5);
        await using var mux = WebSocketChannelConnection.Start(pair.Client);
        mux.SupportsCloseChannel.Should().BeTrue();

        await pair.Server.SendAsync(Frame(1, 1), WebSocketMessageType.Binary, true, ct);
        await pair.Server.SendAsync(Frame(ChannelProtocols.CloseChannel, 1), WebSocketMessageType.Binary, true, ct);
        await pair.Server.SendAsync(Frame(2, 2), WebSocketMessageType.Binary, true, ct);

        (await ReadToEndAsync(mux.GetInput(1), ct)).Should().Equal(1);
        var two = await mux.GetInput(2).ReadAtLeastAsync(1, ct);
        two.IsCompleted.Should().BeFalse();
        two.Buffer.FirstSpan[0].Should().Be(2);

        await mux.CloseChannelAsync(0, ct);
        var (_, data) = await pair.ReceiveMessageAsync(ct);
        data.Should().Equal(ChannelProtocols.CloseChannel, 0);
    }

    [Fact]
    public async Task V4_cannot_close_one_channel_and_says_so()
    {
        await using var pair = await WebSocketPair.CreateAsync(ChannelProtocols.V4);
        await using var mux = WebSocketChannelConnection.Start(pair.Client);

        var act = async () => await mux.CloseChannelAsync(0, Timeout);

        (await act.Should().ThrowAsync<WebSocketChannelException>()).Which.Message.Should().Contain("v5.channel.k8s.io");
    }

    [Fact]
    public async Task A_dropped_connection_completes_the_readers_with_a_typed_error()
    {
        var ct = Timeout;
        await using var pair = await WebSocketPair.CreateAsync();
        await using var mux = WebSocketChannelConnection.Start(pair.Client);
        await pair.Server.SendAsync(Frame(0, 5), WebSocketMessageType.Binary, true, ct);
        var first = await mux.GetInput(0).ReadAtLeastAsync(1, ct);
        mux.GetInput(0).AdvanceTo(first.Buffer.End);

        pair.KillServerTransport();

        var act = async () => await ReadToEndAsync(mux.GetInput(0), ct);
        await act.Should().ThrowAsync<WebSocketChannelException>();
        var write = async () => await mux.WriteAsync(0, new byte[] { 1 }, ct);
        await write.Should().ThrowAsync<WebSocketChannelException>();
    }

    [Fact]
    public async Task CloseOutput_lets_the_peer_finish_sending_before_the_readers_complete()
    {
        var ct = Timeout;
        await using var pair = await WebSocketPair.CreateAsync();
        await using var mux = WebSocketChannelConnection.Start(pair.Client);

        await mux.WriteAsync(0, new byte[] { 1, 2 }, ct);
        await mux.CloseOutputAsync(ct);

        var (_, data) = await pair.ReceiveMessageAsync(ct);
        data.Should().Equal(0, 1, 2);
        var (type, _) = await pair.ReceiveMessageAsync(ct);
        type.Should().Be(WebSocketMessageType.Close);
        // The server still answers after our close, then closes.
        await pair.Server.SendAsync(Frame(0, 3, 4), WebSocketMessageType.Binary, true, ct);
        await pair.Server.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);

        (await ReadToEndAsync(mux.GetInput(0), ct)).Should().Equal(3, 4);
        await mux.Completion.WaitAsync(ct);
        var afterClose = async () => await mux.WriteAsync(0, new byte[] { 1 }, ct);
        await afterClose.Should().ThrowAsync<WebSocketChannelException>();
    }

    [Fact]
    public async Task Dispose_ends_the_readers_and_later_writes_raise_typed_errors()
    {
        var ct = Timeout;
        await using var pair = await WebSocketPair.CreateAsync();
        var mux = WebSocketChannelConnection.Start(pair.Client);
        var input = mux.GetInput(1);

        await mux.DisposeAsync();

        var read = async () => await ReadToEndAsync(input, ct);
        await read.Should().ThrowAsync<WebSocketChannelException>();
        var write = async () => await mux.WriteAsync(1, new byte[] { 1 }, ct);
        await write.Should().ThrowAsync<WebSocketChannelException>();
        await mux.DisposeAsync(); // idempotent
    }

    [Fact]
    public async Task Start_refuses_a_socket_that_is_not_open()
    {
        await using var pair = await WebSocketPair.CreateAsync();
        pair.Client.Abort();

        var act = () => WebSocketChannelConnection.Start(pair.Client);

        act.Should().Throw<WebSocketChannelException>().Which.Message.Should().Contain("Aborted");
    }
}
