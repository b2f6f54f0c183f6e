using System.Text;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;

namespace Broadcast.Shared.Tests.Messaging;

public sealed class TitleEnvelopeTests
{
    private static readonly Guid Session = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    [Fact]
    public void Write_ThenTryRead_RoundTrips()
    {
        var buffer = new byte[TitleEnvelope.MaxSize];
        var stamped = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_123);

        var length = TitleEnvelope.Write(buffer, Session, 123_456, stamped, "live.mp3"u8, "Björk - Jóga", "http://x/");

        Assert.True(TitleEnvelope.TryRead(buffer.AsSpan(0, length), out var session, out var offset, out var at, out var title, out var url));
        Assert.Equal(Session, session);
        Assert.Equal(123_456, offset);
        Assert.Equal(stamped, at);
        Assert.Equal("Björk - Jóga", Encoding.UTF8.GetString(title));
        Assert.Equal("http://x/", Encoding.UTF8.GetString(url));
    }

    [Fact]
    public void Write_LongTitle_IsCutAtACharacterBoundary()
    {
        var buffer = new byte[TitleEnvelope.MaxSize];

        var length = TitleEnvelope.Write(buffer, Session, 0, default, "m"u8, "x" + new string('é', 5000), string.Empty);

        Assert.True(TitleEnvelope.TryRead(buffer.AsSpan(0, length), out _, out _, out _, out var title, out _));
        Assert.True(title.Length <= TitleChange.MaxTitleBytes);
        Assert.DoesNotContain('\uFFFD', Encoding.UTF8.GetString(title));
    }

    [Fact]
    public void TryRead_AChunk_IsNotATitle_AndATitleIsNotAChunk()
    {
        var title = new byte[TitleEnvelope.MaxSize];
        var length = TitleEnvelope.Write(title, Session, 0, default, "m"u8, "t", string.Empty);

        // A reader that predates titles sees a message that is not a chunk, and skips it.
        Assert.Equal(ChunkEnvelopeError.BadMagic, ChunkEnvelope.TryRead(title.AsSpan(0, length), out _));
        var chunk = new byte[200];
        var chunkLength = ChunkEnvelope.Write(chunk, new ChunkHeader(Session, 0, 0, AudioCodec.Mpeg, ChunkFlags.None), "m"u8, [1, 2, 3]);
        Assert.False(TitleEnvelope.IsTitle(chunk.AsSpan(0, chunkLength)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(47)]
    public void TryRead_Truncated_IsFalse(int keep)
    {
        var buffer = new byte[TitleEnvelope.MaxSize];
        var length = TitleEnvelope.Write(buffer, Session, 5, default, "m"u8, "title", "url");

        Assert.False(TitleEnvelope.TryRead(buffer.AsSpan(0, Math.Min(keep, length)), out _, out _, out _, out _, out _));
        Assert.False(TitleEnvelope.TryRead(buffer.AsSpan(0, length - 1), out _, out _, out _, out _, out _));
    }
}
