using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Kube.Access.Testing.Streaming.Spdy;

/// <summary>
/// SPDY/3 name/value header blocks: a 32-bit pair count, then each name and value with a 32-bit
/// length, the whole block inside one zlib stream per direction and connection that is seeded
/// with the SPDY/3 dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1).
/// </summary>
/// <remarks>
/// .NET's <see cref="ZLibStream"/> cannot take a preset dictionary, so each direction is handled
/// with raw deflate: incoming blocks are inflated by a <see cref="DeflateStream"/> whose input starts
/// with a stored (uncompressed) deflate block holding the dictionary, so the peer's back-references
/// into the dictionary resolve against the inflater's window (those first bytes of output are
/// skipped); outgoing blocks are written as stored deflate blocks, each header block ending with
/// an empty one as a sync flush does, after a zlib header that declares the dictionary, which any
/// inflater accepts.
/// </remarks>
internal static class SpdyHeaderCodec
{
    /// <summary>The most bytes one decompressed header block may hold (hostile input stays bounded).</summary>
    public const int MaxDecodedBlock = 256 * 1024;

    /// <summary>The SPDY/3 header compression dictionary (1423 bytes).</summary>
    public static readonly byte[] Dictionary = BuildDictionary();

    /// <summary>The dictionary's Adler-32, as a zlib header with FDICT names it.</summary>
    public static readonly uint DictionaryId = Adler32(Dictionary);

    private static byte[] BuildDictionary()
    {
        // The draft's dictionary: these words, each after its length as 4 big-endian bytes, then the
        // status lines, dates and common values as one unprefixed run.
        string[] words =
        [
            "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding",
            "accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control", "connection",
            "content-base", "content-encoding", "content-language", "content-length", "content-location",
            "content-md5", "content-range", "content-type", "date", "etag", "expect", "expires", "from", "host",
            "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified",
            "location", "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
            "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via",
            "warning", "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url",
            "public", "set-cookie", "keep-alive", "origin",
        ];
        const string Tail =
            "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
            "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized" +
            "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable" +
            "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
            "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain," +
            "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
        var bytes = new List<byte>(1423);
        Span<byte> length = stackalloc byte[4];
        foreach (var word in words)
        {
            BinaryPrimitives.WriteInt32BigEndian(length, word.Length);
            bytes.AddRange(length.ToArray());
            bytes.AddRange(Encoding.ASCII.GetBytes(word));
        }

        bytes.AddRange(Encoding.ASCII.GetBytes(Tail));
        return bytes.ToArray();
    }

    /// <summary>Adler-32 (RFC 1950).</summary>
    internal static uint Adler32(ReadOnlySpan<byte> data)
    {
        uint a = 1, b = 0;
        foreach (var d in data)
        {
            a = (a + d) % 65521;
            b = (b + a) % 65521;
        }

        return (b << 16) | a;
    }

    /// <summary>The serialized (uncompressed) name/value block; names lower-cased as SPDY/3 requires.</summary>
    public static byte[] Serialize(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var size = 4;
        foreach (var (name, value) in headers)
        {
            size += 8 + Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);
        }

        var block = new byte[size];
        BinaryPrimitives.WriteInt32BigEndian(block, headers.Count);
        var at = 4;
        foreach (var (name, value) in headers)
        {
            at = WriteString(block, at, name.ToLowerInvariant());
            at = WriteString(block, at, value);
        }

        return block;
    }

    private static int WriteString(byte[] block, int at, string text)
    {
        var n = Encoding.UTF8.GetBytes(text, block.AsSpan(at + 4));
        BinaryPrimitives.WriteInt32BigEndian(block.AsSpan(at), n);
        return at + 4 + n;
    }

    /// <summary>
    /// The compressing side of one connection: stored deflate blocks, the first preceded by a zlib
    /// header naming the SPDY dictionary. Callers serialise calls in wire order.
    /// </summary>
    public sealed class Encoder
    {
        private bool _started;

        /// <summary>How many bytes <see cref="Encode"/> writes for <paramref name="plainLength"/> bytes.</summary>
        public int EncodedLength(int plainLength) =>
            (_started ? 0 : 6) + plainLength + (5 * Math.Max(1, (plainLength + 65534) / 65535)) + 5;

        /// <summary>Writes the compressed form of <paramref name="plain"/> to <paramref name="destination"/>; returns the bytes written.</summary>
        public int Encode(ReadOnlySpan<byte> plain, Span<byte> destination)
        {
            var at = 0;
            if (!_started)
            {
                _started = true;
                // CMF 0x78 (deflate, 32K window), FLG 0xBB (FDICT set, check bits valid), then DICTID.
                destination[0] = 0x78;
                destination[1] = 0xBB;
                BinaryPrimitives.WriteUInt32BigEndian(destination[2..], DictionaryId);
                at = 6;
            }

            do
            {
                var n = Math.Min(plain.Length, 65535);
                destination[at] = 0x00; // BFINAL 0, BTYPE 00 (stored); always byte-aligned here
                BinaryPrimitives.WriteUInt16LittleEndian(destination[(at + 1)..], (ushort)n);
                BinaryPrimitives.WriteUInt16LittleEndian(destination[(at + 3)..], (ushort)~n);
                plain[..n].CopyTo(destination[(at + 5)..]);
                at += 5 + n;
                plain = plain[n..];
            }
            while (!plain.IsEmpty);

            // End with an empty stored block, as zlib's sync flush does: inflaters (Go's among them)
            // hand out a stored block's bytes only once the next block starts, and the next block
            // must be inside this frame.
            destination[at] = 0x00;
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(at + 1)..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(at + 3)..], 0xFFFF);
            return at + 5;
        }
    }

    /// <summary>The inflating side of one connection (one zlib stream across every header block it reads).</summary>
    public sealed class Decoder : IDisposable
    {
        private readonly FeedStream _feed = new();
        private DeflateStream? _inflater;
        private int _skip;

        /// <summary>
        /// Decodes one compressed header block. Throws <see cref="SpdyProtocolException"/> for
        /// anything malformed (bad zlib header, wrong dictionary, truncated or oversized block).
        /// </summary>
        public List<KeyValuePair<string, string>> Decode(ReadOnlySpan<byte> compressed)
        {
            if (_inflater is null)
            {
                compressed = Start(compressed);
            }

            var copy = ArrayPool<byte>.Shared.Rent(Math.Max(1, compressed.Length));
            try
            {
                compressed.CopyTo(copy);
                _feed.Set(copy, compressed.Length);
                SkipDictionary();
                Span<byte> word = stackalloc byte[4];
                ReadExactly(word);
                var count = BinaryPrimitives.ReadInt32BigEndian(word);
                var total = 4;
                if (count < 0 || count > 4096)
                {
                    throw new SpdyProtocolException($"a header block announces {count} name/value pairs");
                }

                var headers = new List<KeyValuePair<string, string>>(count);
                for (var i = 0; i < count; i++)
                {
                    var name = ReadString(word, ref total);
                    var value = ReadString(word, ref total);
                    if (name.Length == 0)
                    {
                        throw new SpdyProtocolException("a header block holds an empty header name");
                    }

                    headers.Add(new(name.ToLowerInvariant(), value));
                }

                return headers;
            }
            catch (InvalidDataException ex)
            {
                throw new SpdyProtocolException("a header block is not valid deflate data: " + ex.Message);
            }
            finally
            {
                _feed.Set(null, 0);
                ArrayPool<byte>.Shared.Return(copy);
            }
        }

        private ReadOnlySpan<byte> Start(ReadOnlySpan<byte> compressed)
        {
            if (compressed.Length < 2 || (compressed[0] & 0x0F) != 8 || ((compressed[0] << 8) | compressed[1]) % 31 != 0)
            {
                throw new SpdyProtocolException("the first header block does not start with a zlib header");
            }

            var usesDictionary = (compressed[1] & 0x20) != 0;
            compressed = compressed[2..];
            byte[] prefix;
            if (usesDictionary)
            {
                if (compressed.Length < 4 || BinaryPrimitives.ReadUInt32BigEndian(compressed) != DictionaryId)
                {
                    throw new SpdyProtocolException("the header compression names a dictionary other than SPDY/3's");
                }

                compressed = compressed[4..];
                // A stored block carrying the dictionary primes the inflater's window.
                prefix = new byte[5 + Dictionary.Length];
                BinaryPrimitives.WriteUInt16LittleEndian(prefix.AsSpan(1), (ushort)Dictionary.Length);
                BinaryPrimitives.WriteUInt16LittleEndian(prefix.AsSpan(3), (ushort)~Dictionary.Length);
                Dictionary.CopyTo(prefix, 5);
                _skip = Dictionary.Length;
            }
            else
            {
                prefix = [];
            }

            _feed.Prefix = prefix;
            _inflater = new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
            return compressed;
        }

        private void SkipDictionary()
        {
            if (_skip == 0)
            {
                return;
            }

            var scratch = ArrayPool<byte>.Shared.Rent(_skip);
            try
            {
                ReadExactly(scratch.AsSpan(0, _skip));
                _skip = 0;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        private string ReadString(Span<byte> word, ref int total)
        {
            ReadExactly(word);
            var length = BinaryPrimitives.ReadInt32BigEndian(word);
            total += 4 + length;
            if (length < 0 || total > MaxDecodedBlock)
            {
                throw new SpdyProtocolException($"a header block is larger than {MaxDecodedBlock} bytes");
            }

            if (length == 0)
            {
                return string.Empty;
            }

            var bytes = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                ReadExactly(bytes.AsSpan(0, length));
                return Encoding.UTF8.GetString(bytes, 0, length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }

        private void ReadExactly(Span<byte> destination)
        {
            while (!destination.IsEmpty)
            {
                var n = _inflater!.Read(destination);
                if (n <= 0)
                {
                    throw new SpdyProtocolException("a header block ends before its name/value pairs do");
                }

                destination = destination[n..];
            }
        }

        /// <inheritdoc />
        public void Dispose() => _inflater?.Dispose();

        /// <summary>The inflater's input: the dictionary block once, then each frame's bytes; 0 (no more for now) when a frame is used up.</summary>
        private sealed class FeedStream : Stream
        {
            private byte[]? _data;
            private int _offset;
            private int _length;

            public byte[] Prefix { get; set; } = [];

            private int _prefixAt;

            public void Set(byte[]? data, int length)
            {
                _data = data;
                _offset = 0;
                _length = length;
            }

            public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

            public override int Read(Span<byte> buffer)
            {
                if (_prefixAt < Prefix.Length)
                {
                    var p = Math.Min(buffer.Length, Prefix.Length - _prefixAt);
                    Prefix.AsSpan(_prefixAt, p).CopyTo(buffer);
                    _prefixAt += p;
                    return p;
                }

                if (_data is null)
                {
                    return 0;
                }

                var n = Math.Min(buffer.Length, _length - _offset);
                _data.AsSpan(_offset, n).CopyTo(buffer);
                _offset += n;
                return n;
            }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}

/// <summary>A SPDY peer broke the protocol (malformed frame or header block); the session ends with GOAWAY.</summary>
internal sealed class SpdyProtocolException(string message) : Exception(message);
