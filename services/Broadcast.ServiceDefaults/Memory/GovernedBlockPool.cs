using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Broadcast.ServiceDefaults.Memory;

/// <summary>
/// Kestrel's buffer pool, emptied by the memory governor. Fixed-size blocks on the pinned object heap (no pinning
/// cost per socket operation), reused through a free list, so a steady stream of writes allocates nothing. Blocks
/// stay pooled at the peak's count until <see cref="Trim"/> (the governor, once load has dropped) lets them go,
/// just before its aggressive GC returns their pages. 16 KiB by default rather than the 4 KiB Kestrel asks for: a
/// listener's batch (16,000 bytes at 128 kbit/s with the edge's 1000 ms wake interval) goes in one block and one
/// socket write, and the gateway reads it from the edge in one read (<see cref="MemoryOptions.KestrelBlockBytes"/>).
/// </summary>
/// <remarks>
/// Why not the two pools .NET offers: <see cref="MemoryPool{T}.Shared"/> rents from <c>ArrayPool</c>, whose per-core
/// stacks hold a few dozen arrays each, so with thousands of connections nearly every write allocated a new 4 KiB
/// array (half the edge's CPU in a 2000-listener trace). Kestrel's own pinned pool reuses blocks but evicts them
/// slowly on its own clock, and its peak stayed resident (research/dotnet.md §1.2; README benchmark).
/// </remarks>
public sealed class GovernedBlockPool : MemoryPool<byte>
{
    public const int DefaultBlockSize = 16 * 1024;

    private static long s_pooledBytes;
    private static long s_allocatedBytes;
    private static long s_rentedBytes;
    private static readonly ConcurrentDictionary<GovernedBlockPool, byte> Pools = new();

    private readonly ConcurrentQueue<Block> _free = new();
    private int _disposed;

    public GovernedBlockPool(int blockSize = DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1024);
        BlockSize = blockSize;
        Pools.TryAdd(this, 0);
    }

    public int BlockSize { get; }

    public override int MaxBufferSize => BlockSize;

    /// <summary>Bytes sitting in free lists now, over every pool in the process.</summary>
    public static long PooledBytes => Interlocked.Read(ref s_pooledBytes);

    /// <summary>Bytes of blocks ever allocated (a steady load stops raising it).</summary>
    public static long AllocatedBytes => Interlocked.Read(ref s_allocatedBytes);

    /// <summary>Bytes of blocks rented out now (held by pipes: data queued for a socket or being written).</summary>
    public static long RentedBytes => Interlocked.Read(ref s_rentedBytes);

    /// <summary>Drops every free block of every pool; blocks in use return to the pool as usual. Returns the bytes let go.</summary>
    public static long TrimAll()
    {
        long released = 0;
        foreach (var pool in Pools.Keys)
        {
            released += pool.Trim();
        }

        return released;
    }

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            return new ArrayOwner(minBufferSize); // not what Kestrel asks for; served, never pooled
        }

        Interlocked.Add(ref s_rentedBytes, BlockSize);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Add(ref s_pooledBytes, -BlockSize);
            return block;
        }

        Interlocked.Add(ref s_allocatedBytes, BlockSize);
        return new Block(this, BlockSize);
    }

    public long Trim()
    {
        long released = 0;
        while (_free.TryDequeue(out _))
        {
            released += BlockSize;
        }

        Interlocked.Add(ref s_pooledBytes, -released);
        return released;
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Pools.TryRemove(this, out _);
            Trim();
        }
    }

    private void Return(Block block)
    {
        Interlocked.Add(ref s_rentedBytes, -BlockSize);
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        _free.Enqueue(block);
        Interlocked.Add(ref s_pooledBytes, BlockSize);
    }

    private sealed class Block(GovernedBlockPool pool, int size) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = MemoryMarshal.CreateFromPinnedArray(GC.AllocateUninitializedArray<byte>(size, pinned: true), 0, size);

        public void Dispose() => pool.Return(this);
    }

    private sealed class ArrayOwner(int size) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = new byte[size];

        public void Dispose()
        {
        }
    }
}
