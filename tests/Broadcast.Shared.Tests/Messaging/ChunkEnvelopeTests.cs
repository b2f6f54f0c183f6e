using System.Buffers.Binary;
using System.Diagnostics;
using Broadcast.Shared.Messaging;

namespace Broadcast.Shared.Tests.Messaging;

public sealed class ChunkEnvelopeTests
{
    private static readonly Guid Session = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    [Fact]
    public void Write_ThenTryRead_RoundTripsEveryField()
    {
        var header = new ChunkHeader(Session, 1_234_567_890_123, 42, AudioCodec.Ogg, ChunkFlags.OggHeaders | ChunkFlags.SessionStart);
        var payload = new byte[] { 1, 2, 3, 4, 5 };
        var buffer = new byte[ChunkEnvelope.GetSize(header, 8, payload.Length)];

        var written = ChunkEnvelope.Write(buffer, header, "live.mp3"u8, payload);

        Assert.Equal(buffer.Length, written);
        Assert.Equal(ChunkEnvelopeError.None, ChunkEnvelope.TryRead(buffer, out var chunk));
        Assert.Equal(header, chunk.Header);
        Assert.True(chunk.Station.SequenceEqual("live.mp3"u8));
        Assert.True(chunk.Payload.SequenceEqual(payload));
    }

    [Theory]
    [InlineData(ChunkFlags.None)]
    [InlineData(ChunkFlags.TraceContext)]
    public void Write_WithReceiveTime_RoundTripsIt_AndAReaderOfTheOldLayoutStillFindsStationAndPayload(ChunkFlags flags)
    {
        var header = new ChunkHeader(Session, 77, 3, AudioCodec.Mpeg, flags, Received: 1_796_000_000_123_456);
        var buffer = new byte[ChunkEnvelope.GetSize(header, 4, 3)];

        var written = ChunkEnvelope.Write(buffer, header, "live"u8, [7, 8, 9]);

        Assert.Equal(ChunkEnvelopeError.None, ChunkEnvelope.TryRead(buffer.AsSpan(0, written), out var chunk));
        Assert.Equal(1_796_000_000_123_456, chunk.Header.Received);
        Assert.True(chunk.Payload.SequenceEqual(new byte[] { 7, 8, 9 }));

        // An older reader knows only the fields before the receive time and skips to the header length byte.
        int headerLength = buffer[3];
        Assert.True(buffer.AsSpan(headerLength, 4).SequenceEqual("live"u8));
    }

    [Fact]
    public void Write_WithTraceContext_RoundTripsW3cContext()
    {
        var context = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var header = new ChunkHeader(Session, 0, 0, AudioCodec.Mpeg, ChunkFlags.TraceContext, ChunkTraceContext.FromActivityContext(context));
        var buffer = new byte[ChunkEnvelope.MaxOverhead + 10];

        var written = ChunkEnvelope.Write(buffer, header, "s"u8, new byte[10]);

        Assert.Equal(ChunkEnvelopeError.None, ChunkEnvelope.TryRead(buffer.AsSpan(0, written), out var chunk));
        var back = chunk.Header.Trace.ToActivityContext();
        Assert.Equal(context.TraceId, back.TraceId);
        Assert.Equal(context.SpanId, back.SpanId);
        Assert.Equal(context.TraceFlags, back.TraceFlags);
        Assert.Equal(10, chunk.Payload.Length);
    }

    [Fact]
    public void TryRead_NewerMinorVersionWithExtraHeaderFields_SkipsThem()
    {
        var header = new ChunkHeader(Session, 7, 8, AudioCodec.AacAdts, ChunkFlags.None);
        var buffer = new byte[ChunkEnvelope.FixedHeaderSize + 6 + 1 + 3];
        ChunkEnvelope.Write(buffer.AsSpan(6), header, "x"u8, [9, 9, 9]);
        // Rebuild as a future writer would: the same fixed fields, six extra header bytes, then station.
        buffer.AsSpan(6, ChunkEnvelope.FixedHeaderSize).CopyTo(buffer);
        buffer[3] = ChunkEnvelope.FixedHeaderSize + 6;
        buffer.AsSpan(ChunkEnvelope.FixedHeaderSize, 6).Fill(0xEE);
        buffer[ChunkEnvelope.FixedHeaderSize + 6] = (byte)'x';
        buffer.AsSpan(ChunkEnvelope.FixedHeaderSize + 7).Fill(9);

        Assert.Equal(ChunkEnvelopeError.None, ChunkEnvelope.TryRead(buffer, out var chunk));
        Assert.Equal(7, chunk.Header.Offset);
        Assert.True(chunk.Station.SequenceEqual("x"u8));
        Assert.True(chunk.Payload.SequenceEqual(new byte[] { 9, 9, 9 }));
    }

    [Theory]
    [InlineData(0, ChunkEnvelopeError.TooShort)]
    [InlineData(1, ChunkEnvelopeError.BadMagic)]
    [InlineData(2, ChunkEnvelopeError.UnsupportedVersion)]
    [InlineData(3, ChunkEnvelopeError.BadHeaderLength)]
    [InlineData(4, ChunkEnvelopeError.BadStation)]
    [InlineData(5, ChunkEnvelopeError.BadStation)]
    [InlineData(6, ChunkEnvelopeError.NegativeOffset)]
    [InlineData(7, ChunkEnvelopeError.BadHeaderLength)]
    public void TryRead_Malformed_SaysWhy(int corruption, ChunkEnvelopeError expected)
    {
        var header = new ChunkHeader(Session, 100, 1, AudioCodec.Mpeg, ChunkFlags.None);
        var buffer = new byte[ChunkEnvelope.GetSize(header, 4, 16)];
        ChunkEnvelope.Write(buffer, header, "live"u8, new byte[16]);
        Span<byte> message = buffer;
        switch (corruption)
        {
            case 0: message = message[..20]; break;
            case 1: message[0] = (byte)'X'; break;
            case 2: message[2] = 2; break;
            case 3: message[3] = 10; break;
            case 4: message[6] = 0; break;
            case 5: message[6] = 200; break;
            case 6: BinaryPrimitives.WriteInt64BigEndian(message[8..], -5); break;
            case 7: message[5] = (byte)ChunkFlags.TraceContext; break; // claims a trace the header length has no room for
        }

        Assert.Equal(expected, ChunkEnvelope.TryRead(message, out _));
    }

    [Fact]
    public void TryRead_RandomBytes_NeverThrows()
    {
        var random = new Random(5);
        var buffer = new byte[200];
        var accepted = 0;
        for (var i = 0; i < 50_000; i++)
        {
            random.NextBytes(buffer);
            if (i % 2 == 0)
            {
                buffer[0] = (byte)'B';
                buffer[1] = (byte)'C';
                buffer[2] = 1;
            }

            if (ChunkEnvelope.TryRead(buffer.AsSpan(0, random.Next(buffer.Length)), out var chunk) == ChunkEnvelopeError.None)
            {
                accepted++;
                Assert.True(chunk.Header.Offset >= 0);
                Assert.InRange(chunk.Station.Length, 1, 64);
            }
        }

        Assert.True(accepted > 0, "the magic-prefixed half should sometimes decode");
    }

    [Fact]
    public void Write_BadArguments_Throw()
    {
        var header = new ChunkHeader(Session, 0, 0, AudioCodec.Mpeg, ChunkFlags.None);
        Assert.Throws<ArgumentException>(() => ChunkEnvelope.Write(new byte[100], header, ReadOnlySpan<byte>.Empty, []));
        Assert.Throws<ArgumentException>(() => ChunkEnvelope.Write(new byte[10], header, "a"u8, []));
        Assert.Throws<ArgumentException>(() => ChunkEnvelope.Write(new byte[100], header with { Offset = -1 }, "a"u8, []));
    }

    [Fact]
    public void WriteAndRead_SteadyState_AllocateNothing()
    {
        var header = new ChunkHeader(Session, 0, 0, AudioCodec.Mpeg, ChunkFlags.TraceContext, new ChunkTraceContext(1, 2, 3, 1));
        var buffer = new byte[ChunkEnvelope.MaxOverhead + 4096];
        var payload = new byte[4096];
        long sum = 0;
        Cycle(); // warm up (JIT, static tables)

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            Cycle();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);

        void Cycle()
        {
            header = header with { Offset = header.Offset + 4096, Sequence = header.Sequence + 1 };
            var written = ChunkEnvelope.Write(buffer, header, "live.mp3"u8, payload);
            ChunkEnvelope.TryRead(buffer.AsSpan(0, written), out var chunk);
            sum += chunk.Header.Sequence + chunk.Payload.Length;
        }
    }
}
