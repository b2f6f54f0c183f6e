using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Broadcast.ServiceDefaults.Listeners.Mux;

namespace Broadcast.ServiceDefaults.Tests.Listeners;

/// <summary>
/// The mux's framing on a real loopback connection: many writers at once through a writer whose buffer is far smaller
/// than what they send (so most of them wait for room), every stream's bytes arriving whole and in order; and a reader
/// that ends, with <see cref="InvalidDataException"/>, on anything that is not the mux.
/// </summary>
public sealed class MuxTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ManyWritersThroughASmallBuffer_EveryStreamArrivesWholeAndInOrder()
    {
        const int Streams = 40;
        const int FramesEach = 150;
        var (sender, receiver) = await PairAsync();
        using (sender)
        using (receiver)
        {
            var failed = 0;
            var writer = new MuxWriter(sender, 8 * 1024, _ => Interlocked.Increment(ref failed));
            var collector = new Collector();
            var reading = MuxReader.RunAsync(receiver, ReadOnlyMemory<byte>.Empty, collector, CancellationToken.None);

            var writers = Enumerable.Range(1, Streams).Select(id => Task.Run(async () =>
            {
                using var waiter = new Waiter();
                for (var frame = 0; frame < FramesEach; frame++)
                {
                    var payload = Payload((uint)id, frame);
                    while (!writer.TryWriteOrWait(MuxKind.Data, (uint)id, payload, waiter))
                    {
                        await waiter.WaitAsync().WaitAsync(Timeout);
                    }
                }
            })).ToArray();
            await Task.WhenAll(writers).WaitAsync(Timeout, TestContext.Current.CancellationToken);
            await WaitUntilAsync(() => collector.Frames == Streams * FramesEach, "every frame read");
            sender.Shutdown(SocketShutdown.Send);
            await reading.WaitAsync(Timeout, TestContext.Current.CancellationToken);

            Assert.Equal(0, failed);
            for (uint id = 1; id <= Streams; id++)
            {
                var expected = Enumerable.Range(0, FramesEach).SelectMany(frame => Payload(id, frame)).ToArray();
                Assert.Equal(expected, collector.Bytes(id));
            }
        }
    }

    [Theory]
    [InlineData(9, 0)] // a kind that does not exist
    [InlineData(4, MuxFrames.MaxPayload + 1)] // longer than any frame
    [InlineData(4, -1)]
    public async Task NotAMuxFrame_EndsTheReader(byte kind, int length)
    {
        var (sender, receiver) = await PairAsync();
        using (sender)
        using (receiver)
        {
            var head = new byte[MuxFrames.HeadBytes];
            head[0] = kind;
            BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(1), 7);
            BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(5), length);
            await sender.SendAsync(head, SocketFlags.None);

            await Assert.ThrowsAsync<InvalidDataException>(() => MuxReader.RunAsync(receiver, ReadOnlyMemory<byte>.Empty, new Collector(), CancellationToken.None).WaitAsync(Timeout, TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task AFrameTheHandlerRefuses_EndsTheReader()
    {
        var (sender, receiver) = await PairAsync();
        using (sender)
        using (receiver)
        {
            var writer = new MuxWriter(sender, 64 * 1024, _ => { });
            Assert.True(writer.TryWrite(MuxKind.Open, 1, "not for a gateway"u8));

            await Assert.ThrowsAsync<InvalidDataException>(() => MuxReader.RunAsync(receiver, ReadOnlyMemory<byte>.Empty, new Collector(refuse: MuxKind.Open), CancellationToken.None).WaitAsync(Timeout, TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task AfterThePeerIsGone_WritesFail_AndTheOwnerIsToldOnce()
    {
        var (sender, receiver) = await PairAsync();
        using (sender)
        {
            receiver.LingerState = new LingerOption(true, 0);
            receiver.Dispose(); // a reset
            var told = 0;
            var writer = new MuxWriter(sender, 64 * 1024, _ => Interlocked.Increment(ref told));
            await WaitUntilAsync(
                () =>
                {
                    try
                    {
                        writer.TryWrite(MuxKind.Data, 1, new byte[1000]);
                        return false;
                    }
                    catch (IOException)
                    {
                        return true;
                    }
                },
                "a write that fails");

            Assert.Equal(1, told);
            using var waiter = new Waiter();
            Assert.Throws<IOException>(() => writer.TryWriteOrWait(MuxKind.Data, 1, new byte[10], waiter));
        }
    }

    /// <summary>Bytes that tell which stream and frame they belong to, of a length that varies by frame.</summary>
    private static byte[] Payload(uint id, int frame)
    {
        var payload = new byte[1 + ((frame * 997 + (int)id * 31) % 3000)];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(id * 7 + frame + i);
        }

        return payload;
    }

    private static async Task<(Socket Sender, Socket Receiver)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await sender.ConnectAsync(listener.LocalEndPoint!);
        var receiver = await listener.AcceptAsync();
        return (sender, receiver);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private sealed class Waiter : IMuxRoomWaiter, IDisposable
    {
        public void Dispose() => _room.Dispose();

        private readonly SemaphoreSlim _room = new(0);

        public void RoomFreed() => _room.Release();

        public Task WaitAsync() => _room.WaitAsync();
    }

    private sealed class Collector(MuxKind? refuse = null) : IMuxFrameHandler
    {
        private readonly Dictionary<uint, List<byte>> _streams = [];
        private int _frames;

        public int Frames => Volatile.Read(ref _frames);

        public byte[] Bytes(uint id)
        {
            lock (_streams)
            {
                return [.. _streams[id]];
            }
        }

        public bool OnFrame(MuxKind kind, uint id, ReadOnlySpan<byte> payload)
        {
            if (kind == refuse)
            {
                return false;
            }

            lock (_streams)
            {
                if (!_streams.TryGetValue(id, out var bytes))
                {
                    _streams[id] = bytes = [];
                }

                bytes.AddRange(payload);
            }

            Interlocked.Increment(ref _frames);
            return true;
        }
    }
}
