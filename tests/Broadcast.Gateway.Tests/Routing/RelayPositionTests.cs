using System.Net;
using Broadcast.Gateway.Routing;

namespace Broadcast.Gateway.Tests.Routing;

public sealed class RelayPositionTests
{
    private const string Session = "0123456789abcdef0123456789abcdef";

    [Fact]
    public void Start_WithoutTheEdgesOffsetHeaders_IsNotResumable()
    {
        using var reply = new HttpResponseMessage(HttpStatusCode.OK);
        Assert.False(new RelayPosition().Start(reply));
    }

    [Fact]
    public void Advance_PlainStream_CountsEveryByteAsAudio()
    {
        using var reply = Reply(offset: 1000, headerBytes: 0);
        var position = new RelayPosition();
        Assert.True(position.Start(reply));

        position.Advance(new byte[5000]);

        Assert.Equal(6000, position.Offset);
        Assert.Equal($"?from=6000&session={Session}", position.Query(resume: true));
        Assert.Equal(0, position.CompleteBlock(new byte[8]));
    }

    [Fact]
    public void Advance_OggHeaderPages_PrecedeTheAudioAtTheOffset()
    {
        using var reply = Reply(offset: 1000, headerBytes: 300);
        var position = new RelayPosition();
        position.Start(reply);

        position.Advance(new byte[200]);
        Assert.Equal((1000, 100), (position.Offset, position.HeaderBytesLeft));

        position.Advance(new byte[400]);
        Assert.Equal((1300, 0), (position.Offset, position.HeaderBytesLeft));
    }

    /// <summary>An ICY body cut into reads at every possible place: the audio offset and the phase come out the same.</summary>
    [Fact]
    public void Advance_IcyInterleave_SameAccountWhereverTheReadsSplitIt()
    {
        const int Interval = 16;
        // 16 audio, a 2×16-byte block, 16 audio, an empty block, 5 audio
        byte[] body = [.. new byte[Interval], 2, .. Text(32), .. new byte[Interval], 0, .. new byte[5]];
        for (var split = 0; split <= body.Length; split++)
        {
            using var reply = Reply(offset: 500, headerBytes: 0, metaint: Interval);
            var position = new RelayPosition();
            position.Start(reply);

            position.Advance(body.AsSpan(0, split));
            position.Advance(body.AsSpan(split));

            Assert.Equal(500 + (3 * Interval) - 11, position.Offset);
            Assert.Equal(Interval - 5, position.UntilBlock);
            Assert.Equal($"?from=537&session={Session}&icyphase=11", position.Query(resume: true));
        }
    }

    [Fact]
    public void CompleteBlock_CutInsideTheText_PadsItWithNulsAndAudioIsDueNext()
    {
        using var reply = Reply(offset: 0, headerBytes: 0, metaint: 16);
        var position = new RelayPosition();
        position.Start(reply);
        position.Advance([.. new byte[16], 2, .. Text(5)]);

        var filler = new byte[4081];
        filler.AsSpan().Fill(0xAA);
        var length = position.CompleteBlock(filler);

        Assert.Equal(27, length);
        Assert.All(filler[..27], b => Assert.Equal(0, b));
        Assert.Equal((16, 0), (position.UntilBlock, position.MetadataLeft));
        Assert.EndsWith("&icyphase=16", position.Query(resume: true), StringComparison.Ordinal);
    }

    [Fact]
    public void CompleteBlock_LengthByteDue_SendsAnEmptyBlock()
    {
        using var reply = Reply(offset: 0, headerBytes: 0, metaint: 16);
        var position = new RelayPosition();
        position.Start(reply);
        position.Advance(new byte[16]);

        var filler = new byte[] { 0xAA, 0xAA };
        Assert.Equal(1, position.CompleteBlock(filler));
        Assert.Equal(0, filler[0]);
        Assert.Equal(16, position.UntilBlock);
    }

    [Fact]
    public void Continue_AnotherOffsetOrInterval_IsRefusedUnlessResynced()
    {
        using var first = Reply(offset: 100, headerBytes: 0, metaint: 16);
        var position = new RelayPosition();
        position.Start(first);
        position.Advance(new byte[10]);

        using var elsewhere = Reply(offset: 99, headerBytes: 0, metaint: 16);
        using var otherInterval = Reply(offset: 110, headerBytes: 0, metaint: 8000);
        using var exact = Reply(offset: 110, headerBytes: 0, metaint: 16);
        Assert.False(position.Continue(elsewhere, resynced: false));
        Assert.False(position.Continue(otherInterval, resynced: false));
        Assert.True(position.Continue(exact, resynced: false));

        using var newest = Reply(offset: 90_000, headerBytes: 0, metaint: 16);
        Assert.True(position.Continue(newest, resynced: true));
        Assert.Equal(90_000, position.Offset);
        Assert.Equal(6, position.UntilBlock); // the interleave goes on where it was
    }

    private static byte[] Text(int length) => [.. Enumerable.Repeat((byte)'x', length)];

    private static HttpResponseMessage Reply(long offset, int headerBytes, int metaint = 0)
    {
        var reply = new HttpResponseMessage(HttpStatusCode.OK);
        reply.Headers.TryAddWithoutValidation(RelayPosition.OffsetHeader, offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        reply.Headers.TryAddWithoutValidation(RelayPosition.HeaderBytesHeader, headerBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        reply.Headers.TryAddWithoutValidation(RelayPosition.SessionHeader, Session);
        if (metaint > 0)
        {
            reply.Headers.TryAddWithoutValidation("icy-metaint", metaint.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return reply;
    }
}
