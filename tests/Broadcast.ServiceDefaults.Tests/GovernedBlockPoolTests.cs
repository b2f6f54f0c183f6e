using System.Buffers;
using Broadcast.ServiceDefaults.Memory;

namespace Broadcast.ServiceDefaults.Tests;

/// <summary>The pool Kestrel writes through: reuse under a steady load, everything let go on trim.</summary>
[Collection(nameof(GovernedBlockPoolTests))] // the pool's byte counters are process-wide
public sealed class GovernedBlockPoolTests
{
    [Fact]
    public void Steady_rent_and_return_allocates_only_the_first_round()
    {
        using var pool = new GovernedBlockPool();
        var held = new IMemoryOwner<byte>[200];
        Round(pool, held);
        var allocated = GovernedBlockPool.AllocatedBytes;
        for (var i = 0; i < 50; i++)
        {
            Round(pool, held);
        }

        Assert.Equal(allocated, GovernedBlockPool.AllocatedBytes);
        Assert.Equal(200L * pool.BlockSize, pool.Trim());
    }

    [Fact]
    public void Trim_lets_every_free_block_go_and_blocks_in_use_come_back_later()
    {
        using var pool = new GovernedBlockPool();
        var inUse = pool.Rent(100);
        var free = pool.Rent(pool.BlockSize);
        Assert.Equal(pool.BlockSize, inUse.Memory.Length);
        free.Dispose();
        Assert.Equal(pool.BlockSize, GovernedBlockPool.TrimAll());

        inUse.Dispose();
        var reused = pool.Rent();
        Assert.Same(inUse, reused); // returned after the trim: pooled again, not lost
        reused.Dispose();
    }

    [Fact]
    public void Blocks_have_the_configured_size_and_rented_bytes_are_counted_until_returned()
    {
        using var pool = new GovernedBlockPool(16 * 1024);
        var rentedBefore = GovernedBlockPool.RentedBytes;
        var block = pool.Rent(4096); // what Kestrel asks for: a whole block comes back
        Assert.Equal(16 * 1024, block.Memory.Length);
        Assert.Equal(16 * 1024, pool.MaxBufferSize);
        Assert.Equal(rentedBefore + (16 * 1024), GovernedBlockPool.RentedBytes);

        block.Dispose();
        Assert.Equal(rentedBefore, GovernedBlockPool.RentedBytes);
        Assert.Equal(16 * 1024, pool.Trim());
        Assert.Throws<ArgumentOutOfRangeException>(() => new GovernedBlockPool(100));
    }

    [Fact]
    public void Larger_requests_are_served_and_never_pooled()
    {
        using var pool = new GovernedBlockPool();
        using (var big = pool.Rent(pool.BlockSize + 1))
        {
            Assert.True(big.Memory.Length > pool.BlockSize);
        }

        Assert.Equal(0, pool.Trim());
    }

    private static void Round(GovernedBlockPool pool, IMemoryOwner<byte>[] held)
    {
        for (var i = 0; i < held.Length; i++)
        {
            held[i] = pool.Rent();
            held[i].Memory.Span[0] = (byte)i;
        }

        foreach (var owner in held)
        {
            owner.Dispose();
        }
    }
}
