using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using k8s.Models;
using Kube.Access.Testing.Streaming.Spdy;
using Xunit;

namespace Kube.Access.Testing.Tests.Streaming;

/// <summary>SPDY/3 header blocks: the dictionary, zlib's own dictionary-seeded output, and the stored-block encoder.</summary>
public sealed class SpdyHeaderCodecTests
{
    // Two successive header blocks of one connection, made by zlib (level 9, the SPDY/3 dictionary as
    // preset dictionary, sync flush after each), as Go's compressor in kubectl makes them: the second
    // refers back into the first and into the dictionary.
    private const string FirstBlock = "78f9e3c6a7c202253a703a2b294a4dcc851625aca9a0808614cb45a024cc6a646e60680e64701641e2311394be190d00000000ffff";
    private const string SecondBlock = "c2aa1b54102512a119000000ffff";

    [Fact]
    public void The_dictionary_is_the_drafts_1423_bytes()
    {
        SpdyHeaderCodec.Dictionary.Should().HaveCount(1423);
        SpdyHeaderCodec.DictionaryId.Should().Be(0xe3c6a7c2u);
    }

    [Fact]
    public void Blocks_compressed_by_zlib_with_the_dictionary_decode_in_order()
    {
        using var decoder = new SpdyHeaderCodec.Decoder();
        decoder.Decode(Convert.FromHexString(FirstBlock)).Should().Equal(
            new KeyValuePair<string, string>("streamtype", "error"),
            new KeyValuePair<string, string>("port", "27017"),
            new KeyValuePair<string, string>("requestid", "0"));
        decoder.Decode(Convert.FromHexString(SecondBlock)).Should().Equal(
            new KeyValuePair<string, string>("streamtype", "data"),
            new KeyValuePair<string, string>("port", "27017"),
            new KeyValuePair<string, string>("requestid", "0"));
    }

    [Fact]
    public void Encoded_blocks_decode_back_and_end_with_a_sync_flush()
    {
        var encoder = new SpdyHeaderCodec.Encoder();
        using var decoder = new SpdyHeaderCodec.Decoder();
        foreach (var value in new[] { "one", new string('x', 70_000), string.Empty })
        {
            var plain = SpdyHeaderCodec.Serialize([new("Streamtype", value), new("port", "80")]);
            var buffer = new byte[encoder.EncodedLength(plain.Length)];
            var written = encoder.Encode(plain, buffer);
            written.Should().Be(buffer.Length);
            buffer.AsSpan(written - 5).ToArray().Should().Equal(0x00, 0x00, 0x00, 0xFF, 0xFF);
            decoder.Decode(buffer).Should().Equal(new KeyValuePair<string, string>("streamtype", value), new KeyValuePair<string, string>("port", "80"));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("7801")] // zlib header without a block
    [InlineData("78bb00000000")] // another dictionary
    [InlineData("1234567890")] // not zlib
    [InlineData("78f9e3c6a7c202253a703a2b29")] // truncated
    public void Malformed_blocks_are_protocol_errors(string hex)
    {
        using var decoder = new SpdyHeaderCodec.Decoder();
        var act = () => decoder.Decode(Convert.FromHexString(hex));
        act.Should().Throw<SpdyProtocolException>();
    }
}

/// <summary>Exec over WebSocket with no subprotocol: the base <c>channel.k8s.io</c> protocol.</summary>
public sealed class BaseChannelExecTests : IAsyncLifetime
{
    private KubeApiEmulator _host = null!;

    public async Task InitializeAsync()
    {
        _host = await KubeApiEmulator.StartAsync();
        _host.AddPod("default", "shell-demo", null, "Running", new V1Container { Name = "nginx", Image = "nginx" });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("echo hi", "hi\n", "")]
    [InlineData("echo out; exit 3", "out\n", "command terminated with non-zero exit code: error executing command [sh -c echo out; exit 3], exit code 3")]
    public async Task Runs_with_text_status_only_on_failure(string script, string expectedStdout, string expectedStatus)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var socket = new ClientWebSocket();
        var query = "?command=sh&command=-c&command=" + Uri.EscapeDataString(script) + "&stdout=true&stderr=true";
        await socket.ConnectAsync(_host.WebSocketUri("/api/v1/namespaces/default/pods/shell-demo/exec" + query), timeout.Token);
        socket.SubProtocol.Should().BeNull();
        await using var client = ChannelClient.Wrap(socket);
        var channels = await client.ReadToCloseAsync(timeout.Token);
        string Text(byte c) => channels.TryGetValue(c, out var s) ? Encoding.UTF8.GetString(s.ToArray()) : string.Empty;
        Text(1).Should().Be(expectedStdout);
        Text(3).Should().Be(expectedStatus);
    }
}
