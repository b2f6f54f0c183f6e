using System.Threading.Tasks.Sources;
using Broadcast.ServiceDefaults.Listeners;
using Broadcast.ServiceDefaults.Listeners.Mux;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// A listener relayed on a gateway's mux: its bytes go out as Data frames, no more than the credit the gateway gave
/// (a send that waits for credit is a blocked send to the stall watch, as a full socket is); its end is an End frame.
/// A send that must wait (for credit, or for room on the connection) waits on the line's one reusable completion, so
/// waiting costs no allocation however often it happens.
/// </summary>
internal sealed class MuxLine(EdgeMuxSession session, uint id) : ListenerLine(null), IDisposable, IMuxRoomWaiter, IValueTaskSource
{
    /// <summary>Most credit a gateway may give one listener; more is not a gateway's.</summary>
    private const int MaxCredit = 16 * 1024 * 1024;

    private readonly CancellationTokenSource _closed = new();
    private int _credit = MuxFrames.InitialCredit;
    private int _aborted;
    private int _armed;
    private ManualResetValueTaskSourceCore<bool> _wait;

    public uint Id { get; } = id;

    public override CancellationToken Closed => _closed.Token;

    public override void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        try
        {
            _closed.Cancel();
        }
        catch (Exception exception) when (exception is AggregateException or ObjectDisposedException)
        {
            // a waiter's callback failed, or the stream ended meanwhile
        }

        Release();
    }

    /// <summary>The gateway's credit; false when it is more than any window (a protocol error).</summary>
    public bool AddCredit(int bytes)
    {
        if (Interlocked.Add(ref _credit, bytes) is < 0 or > MaxCredit)
        {
            return false;
        }

        Release();
        return true;
    }

    void IMuxRoomWaiter.RoomFreed() => Release();

    // Pooled: a send that waits boxes no state per wait.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes)
    {
        var total = bytes.Length;
        var writer = session.Writer;
        while (!bytes.IsEmpty)
        {
            _closed.Token.ThrowIfCancellationRequested();
            var count = TakeCredit(Math.Min(bytes.Length, MuxFrames.MaxPayload));
            if (count == 0)
            {
                var version = Arm();
                if (Volatile.Read(ref _credit) > 0)
                {
                    Release(); // came meanwhile
                }

                await new ValueTask(this, version).ConfigureAwait(false);
                continue;
            }

            while (true)
            {
                var version = Arm();
                if (writer.TryWriteOrWait(MuxKind.Data, Id, bytes.Span[..count], this))
                {
                    Disarm();
                    break;
                }

                await new ValueTask(this, version).ConfigureAwait(false);
                _closed.Token.ThrowIfCancellationRequested();
            }

            bytes = bytes[count..];
        }

        return total;
    }

    public override Task ReplyAsync(ListenerRequest request, int status, string message, string? retryAfter = null) =>
        SendAsync(LeanReply.Build(request.Http10, request.Head, status, message, retryAfter)).AsTask();

    public void Dispose() => _closed.Dispose();

    void IValueTaskSource.GetResult(short token) => _wait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);

    /// <summary>Readies the wait before looking (credit, room), so a release in between is not lost.</summary>
    private short Arm()
    {
        _wait.Reset();
        Volatile.Write(ref _armed, 1);
        if (Volatile.Read(ref _aborted) != 0)
        {
            Release();
        }

        return _wait.Version;
    }

    /// <summary>Nothing to wait for after all (the frame fitted).</summary>
    private void Disarm() => Volatile.Write(ref _armed, 0);

    /// <summary>Ends the wait, if one is armed: credit came, room was made, or the line was aborted.</summary>
    private void Release()
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            _wait.SetResult(true);
        }
    }

    private int TakeCredit(int wanted)
    {
        while (true)
        {
            var credit = Volatile.Read(ref _credit);
            if (credit <= 0)
            {
                return 0;
            }

            var taken = Math.Min(credit, wanted);
            if (Interlocked.CompareExchange(ref _credit, credit - taken, credit) == credit)
            {
                return taken;
            }
        }
    }
}
