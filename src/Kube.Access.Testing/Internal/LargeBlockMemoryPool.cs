using System.Buffers;
using Microsoft.AspNetCore.Connections;

#if NET10_0_OR_GREATER
namespace Kube.Access.Testing.Internal;

/// <summary>
/// A memory pool for Kestrel's connections whose blocks are 64 KiB instead of Kestrel's
/// 4 KiB, so that one socket receive can take a whole 32 KiB WebSocket frame (Kestrel asks its pipe for at
/// least 2 KiB per receive and gets the rest of the current block). Blocks come from <see cref="ArrayPool{T}.Shared"/>.
/// </summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();

    private sealed class LargeBlockMemoryPool : MemoryPool<byte>
    {
        public const int BlockSize = 64 * 1024;

        public override int MaxBufferSize => BlockSize;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
            return new Block(ArrayPool<byte>.Shared.Rent(BlockSize));
        }

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Block(byte[] array) : IMemoryOwner<byte>
        {
            private byte[]? _array = array;

            public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _array, null) is { } returned)
                {
                    ArrayPool<byte>.Shared.Return(returned);
                }
            }
        }
    }
}
#endif
