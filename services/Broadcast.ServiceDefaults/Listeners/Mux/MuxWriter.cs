using System.Net.Sockets;

namespace Broadcast.ServiceDefaults.Listeners.Mux;

/// <summary>A writer waiting for room on a <see cref="MuxWriter"/>: told once, when its frame may fit (it then tries again).</summary>
public interface IMuxRoomWaiter
{
    public void RoomFreed();
}

/// <summary>
/// The sending side of a mux connection: frames from any thread are copied into one buffer under a lock, and a single
/// flush, queued to the thread pool by the first frame after an idle spell, sends everything gathered by the time it
/// runs, so a wake-up of a thousand listeners is a few large sends, not a thousand small ones. Two fixed buffers
/// (filling, sending); a frame that does not fit waits, in arrival order, for the send in flight
/// (<see cref="TryWriteOrWait"/>): each swap wakes as many waiters as the emptied buffer holds, so a wake-up of
/// thousands of listeners costs no allocation and no thundering herd. A failed send fails every later write.
/// </summary>
public sealed class MuxWriter : IThreadPoolWorkItem
{
    private readonly Queue<(IMuxRoomWaiter Waiter, int Bytes)> _waiters = new();
    private readonly List<IMuxRoomWaiter> _woken = [];

    private readonly Socket _socket;
    private readonly Action<Exception> _failed;
    private readonly Lock _gate = new();
    private byte[] _filling;
    private byte[] _sending;
    private int _filled;
    private bool _flushing;
    private Exception? _error;
    private TaskCompletionSource? _room;

    /// <param name="socket">The mux connection.</param>
    /// <param name="bufferBytes">Each of the two buffers' size: the most one send carries.</param>
    /// <param name="failed">Told once when a send fails (the connection is gone).</param>
    public MuxWriter(Socket socket, int bufferBytes, Action<Exception> failed)
    {
        (_socket, _failed) = (socket, failed);
        _filling = GC.AllocateUninitializedArray<byte>(bufferBytes);
        _sending = GC.AllocateUninitializedArray<byte>(bufferBytes);
    }

    /// <summary>
    /// Adds a frame, or queues <paramref name="waiter"/> to be told when room was made (false): it then calls again.
    /// Throws <see cref="IOException"/> once the connection failed.
    /// </summary>
    public bool TryWriteOrWait(MuxKind kind, uint id, ReadOnlySpan<byte> payload, IMuxRoomWaiter waiter)
    {
        lock (_gate)
        {
            if (_error is null && _filled + MuxFrames.HeadBytes + payload.Length > _filling.Length)
            {
                _waiters.Enqueue((waiter, MuxFrames.HeadBytes + payload.Length));
                return false;
            }
        }

        return TryWrite(kind, id, payload) || TryWriteOrWait(kind, id, payload, waiter);
    }

    /// <summary>Adds a frame; false when the buffer is full (wait with <see cref="RoomAsync"/>). Throws <see cref="IOException"/> once the connection failed.</summary>
    public bool TryWrite(MuxKind kind, uint id, ReadOnlySpan<byte> payload)
    {
        bool start;
        lock (_gate)
        {
            if (_error is not null)
            {
                throw new IOException("the mux connection is closed", _error);
            }

            var length = MuxFrames.HeadBytes + payload.Length;
            if (_filled + length > _filling.Length)
            {
                return false;
            }

            MuxFrames.WriteHead(_filling.AsSpan(_filled), kind, id, payload.Length);
            payload.CopyTo(_filling.AsSpan(_filled + MuxFrames.HeadBytes));
            _filled += length;
            start = !_flushing;
            _flushing = true;
        }

        if (start)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        return true;
    }

    /// <summary>A credit frame (4 bytes).</summary>
    public bool TryWriteCredit(uint id, int bytes)
    {
        Span<byte> payload = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(payload, bytes);
        return TryWrite(MuxKind.Credit, id, payload);
    }

    /// <summary>Adds a frame, waiting for room while the buffer is full.</summary>
    public async ValueTask WriteAsync(MuxKind kind, uint id, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        while (!TryWrite(kind, id, payload.Span))
        {
            await RoomAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Completes when the buffer was handed to the socket (room again), or fails when the connection did.</summary>
    public Task RoomAsync()
    {
        lock (_gate)
        {
            if (_error is not null)
            {
                return Task.FromException(new IOException("the mux connection is closed", _error));
            }

            return (_room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Fails the writer (the connection is being closed): pending writes and waiters fail.</summary>
    public void Fail(Exception reason)
    {
        TaskCompletionSource? room;
        lock (_gate)
        {
            if (_error is not null)
            {
                return;
            }

            _error = reason;
            (room, _room) = (_room, null);
            while (_waiters.TryDequeue(out var waiting))
            {
                _woken.Add(waiting.Waiter);
            }
        }

        room?.TrySetException(new IOException("the mux connection is closed", reason));
        WakeWoken();
    }

    void IThreadPoolWorkItem.Execute() => _ = FlushAsync();

    /// <summary>Tells the waiters taken off the queue (only the flush, or the one failing call, fills the list).</summary>
    private void WakeWoken()
    {
        List<IMuxRoomWaiter> woken;
        lock (_gate)
        {
            if (_woken.Count == 0)
            {
                return;
            }

            woken = [.. _woken];
            _woken.Clear();
        }

        foreach (var waiter in woken)
        {
            waiter.RoomFreed();
        }
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            byte[]? batch = null;
            var length = 0;
            TaskCompletionSource? room;
            lock (_gate)
            {
                if (_filled > 0 && _error is null)
                {
                    (batch, length) = (_filling, _filled);
                    (_filling, _sending, _filled) = (_sending, _filling, 0);
                }
                else
                {
                    _flushing = false; // a frame from here on queues the next flush
                }

                // As many waiters as the empty buffer holds, in order. With nothing to send, these are the ones after
                // waiters woken last time that did not write (their listener left).
                for (var budget = _filling.Length; _error is null && _waiters.TryPeek(out var waiting) && waiting.Bytes <= budget; budget -= waiting.Bytes)
                {
                    _woken.Add(_waiters.Dequeue().Waiter);
                }

                (room, _room) = (_room, null);
            }

            room?.TrySetResult();
            WakeWoken();
            if (batch is null)
            {
                return;
            }

            try
            {
                for (var sent = 0; sent < length;)
                {
                    sent += await _socket.SendAsync(batch.AsMemory(sent, length - sent), SocketFlags.None).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                Fail(exception);
                _failed(exception);
                return;
            }
        }
    }
}
