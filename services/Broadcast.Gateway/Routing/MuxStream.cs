using System.Buffers;
using System.Threading.Tasks.Sources;
using Broadcast.ServiceDefaults.Listeners.Mux;
using Broadcast.ServiceDefaults.Memory;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// One relayed listener's response on an edge's mux connection (<see cref="EdgeMuxConnection"/>), read by the relay as
/// it reads an edge's socket: a zero-byte read waits for data holding no buffer, a read takes what arrived. What
/// arrived and was not taken yet sits in a pooled array that goes back as soon as it is empty, so a listener that keeps
/// up holds none between batches; one that does not holds at most the credit window, and the edge stops. Taking bytes
/// returns credit to the edge. Data is handed to a waiting read on the connection's reader thread (no hop per batch).
/// </summary>
internal sealed class MuxStream(EdgeMuxConnection connection, uint id) : EdgeBody, IValueTaskSource<bool>
{
    /// <summary>Credit goes back in steps of this many bytes taken (fewer credit frames than reads).</summary>
    private const int CreditStep = MuxFrames.InitialCredit / 4;

    private const int MinBufferBytes = 16 * 1024;

    /// <summary>
    /// Blocks for what arrived and was not taken yet, reused and let go by the memory governor once load drops:
    /// ArrayPool's per-core stacks hold a few dozen arrays, and when more streams than that hold data at once every rent
    /// past them allocated (the allocation guard measured about 110 B/s per listener).
    /// </summary>
    private static readonly GovernedBlockPool Blocks = new(MinBufferBytes);

    private IMemoryOwner<byte>? _block;
    private byte[]? _array;
    private int _start;
    private int _end;
    private int _taken;
    private bool _ended;
    private bool _disposed;
    private Exception? _error;
    private bool _waiting;
    private ManualResetValueTaskSourceCore<bool> _waiter;

    public uint Id { get; } = id;

    /// <summary>Bytes from the edge; false when they exceed the credit it had (not an edge's doing: the connection ends).</summary>
    public bool Deliver(ReadOnlySpan<byte> payload)
    {
        lock (this)
        {
            if (_ended || _disposed)
            {
                return true;
            }

            var held = _end - _start;
            if (held + payload.Length > MuxFrames.InitialCredit)
            {
                return false;
            }

            if (!HasBuffer)
            {
                Acquire(payload.Length);
            }
            else if (_end + payload.Length > Space.Length)
            {
                if (held + payload.Length <= Space.Length)
                {
                    Space[_start.._end].CopyTo(Space);
                }
                else
                {
                    // a relay behind by more than a block (or a burst): a larger array for as long as it is behind
                    var larger = ArrayPool<byte>.Shared.Rent(held + payload.Length);
                    Space[_start.._end].CopyTo(larger);
                    ReleaseBuffer();
                    _array = larger;
                }

                (_start, _end) = (0, held);
            }

            payload.CopyTo(Space[_end..]);
            _end += payload.Length;
        }

        Wake(null, inline: true);
        return true;
    }

    /// <summary>The edge ended the response (End frame): reads return 0 once what arrived is taken.</summary>
    public void End()
    {
        lock (this)
        {
            _ended = true;
        }

        Wake(null, inline: true);
    }

    /// <summary>The connection failed: reads throw <see cref="IOException"/> once what arrived is taken.</summary>
    public void Fail(Exception reason)
    {
        lock (this)
        {
            _error ??= reason;
        }

        Wake(null, inline: false);
    }

    /// <summary>Waits until the response head (up to CR LF CR LF) arrived, and takes it; null when the response ended first.</summary>
    public async Task<byte[]?> ReadHeadAsync(int maxBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (this)
            {
                if (HasBuffer)
                {
                    var held = Space[_start.._end];
                    if (held.IndexOf("\r\n\r\n"u8) is >= 0 and var end)
                    {
                        var head = held[..(end + 4)].ToArray();
                        Take(head.Length);
                        return head;
                    }

                    if (held.Length >= maxBytes)
                    {
                        throw new HttpRequestException($"the edge's response head is longer than {maxBytes} bytes");
                    }
                }
            }

            // a zero-byte read: waits for more, 0 when the response ended, throws when the connection failed
            if (!HasData() && await ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false) == 0 && !HasData())
            {
                return null;
            }
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int count;
        int credit;
        lock (this)
        {
            if (_end == _start)
            {
                if (_error is not null)
                {
                    return ValueTask.FromException<int>(new IOException("the edge's mux connection failed", _error));
                }

                if (_ended || _disposed)
                {
                    return ValueTask.FromResult(0);
                }

                return WaitThenReadAsync(buffer, cancellationToken);
            }

            if (buffer.IsEmpty)
            {
                return ValueTask.FromResult(0); // data is here
            }

            count = Math.Min(buffer.Length, _end - _start);
            Space.Slice(_start, count).CopyTo(buffer.Span);
            credit = Take(count);
        }

        if (credit > 0)
        {
            connection.Credit(Id, credit);
        }

        return ValueTask.FromResult(count);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (this)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                ReleaseBuffer();
            }

            connection.Close(Id);
            Wake(null, inline: false);
        }

        base.Dispose(disposing);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _waiter.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);

    private bool HasBuffer => _block is not null || _array is not null;

    private Span<byte> Space => _block is not null ? _block.Memory.Span : _array;

    /// <summary>A block for a batch; an array for a larger first payload (a listener's burst).</summary>
    private void Acquire(int bytes)
    {
        if (bytes <= MinBufferBytes)
        {
            _block = Blocks.Rent(MinBufferBytes);
        }
        else
        {
            _array = ArrayPool<byte>.Shared.Rent(bytes);
        }

        (_start, _end) = (0, 0);
    }

    private void ReleaseBuffer()
    {
        _block?.Dispose();
        if (_array is not null)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        (_block, _array, _start, _end) = (null, null, 0, 0);
    }

    private bool HasData()
    {
        lock (this)
        {
            return _end > _start;
        }
    }

    /// <summary>Takes <paramref name="count"/> held bytes (under the lock); returns the credit now due to the edge, or 0.</summary>
    private int Take(int count)
    {
        _start += count;
        if (_start == _end)
        {
            ReleaseBuffer();
        }

        if ((_taken += count) < CreditStep)
        {
            return 0;
        }

        var credit = _taken;
        _taken = 0;
        return credit;
    }

    // Pooled: the wait for the next batch boxes no state.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> WaitThenReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        short version = 0;
        var wait = false;
        lock (this)
        {
            if (_end == _start && _error is null && !_ended && !_disposed)
            {
                _waiter.Reset();
                _waiter.RunContinuationsAsynchronously = false;
                (_waiting, wait, version) = (true, true, _waiter.Version);
            }
        }

        if (!wait)
        {
            return await ReadAsync(buffer, cancellationToken).ConfigureAwait(false); // something came meanwhile
        }

        var registration = cancellationToken.UnsafeRegister(static state => ((MuxStream)state!).Wake(new OperationCanceledException(), inline: false), this);
        try
        {
            await new ValueTask<bool>(this, version).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        finally
        {
            registration.Unregister(); // not Dispose: that would wait for the callback this may be running in
        }

        return await ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Completes a waiting read: on the caller's thread when data or the end arrived (the relay's send then runs on the
    /// connection's reader), on the pool when it was cancelled or the connection failed (not in a watchdog's pass).
    /// </summary>
    private void Wake(Exception? error, bool inline)
    {
        lock (this)
        {
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
            _waiter.RunContinuationsAsynchronously = !inline;
        }

        if (error is null)
        {
            _waiter.SetResult(true);
        }
        else
        {
            _waiter.SetException(error);
        }
    }
}
