using Broadcast.Edge.Listeners;
using Broadcast.Edge.Stations;
using Broadcast.Shared.Stations;

namespace Broadcast.Edge.Tests.Listeners;

/// <summary>The edge's per-listener rules that need no process: the ICY interleave, a resumed phase, a gap's victims.</summary>
public sealed class ListenerRulesTests
{
    [Fact]
    public void IcyInterleave_FirstBlockSaysWhatPlays_ThenOnlyChanges()
    {
        var icy = new IcyInterleave(16000);
        var title = new FeedTitle(new TitleChange(0, "Song", string.Empty, DateTimeOffset.UnixEpoch));

        Assert.Equal(IcyMetadataBlock.Empty, icy.NextBlock(null).ToArray());
        Assert.Equal(IcyMetadataBlock.Unchanged.ToArray(), icy.NextBlock(null).ToArray());
        Assert.Equal(title.IcyBlock, icy.NextBlock(title).ToArray());
        Assert.Equal(IcyMetadataBlock.Unchanged.ToArray(), icy.NextBlock(title).ToArray());
    }

    [Theory]
    [InlineData("icyphase=1", 1)]
    [InlineData("icyphase=16000", 16000)]
    [InlineData("icyphase=0", null)]
    [InlineData("icyphase=16001", null)]
    [InlineData("icyphase=-5", null)]
    [InlineData("icyphase=+5", null)]
    [InlineData("icyphase=abc", null)]
    [InlineData("icyphase=99999999999999999999", null)]
    [InlineData("from=5", null)]
    public void IcyPhase_OnlyAPlainNumberWithinTheInterval(string query, int? expected)
    {
        var parsed = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery("?" + query);
        Assert.Equal(expected, ListenerEndpoint.IcyPhase(parsed.TryGetValue("icyphase", out var phase) ? phase[0] : null, 16000));
    }

    [Fact]
    public void AcrossGap_ListenersInTheRingWhenBytesWereLost_GoOnAfterTheGap()
    {
        var gap = new Discontinuity(ValidFrom: 1000, ResumeAt: 5000);

        Assert.True(ListenerEndpoint.IsAcrossGap(4000, gap, ringStart: 5000, out var caughtUp));
        Assert.Equal(5000, caughtUp);
        Assert.True(ListenerEndpoint.IsAcrossGap(1000, gap, ringStart: 5000, out _));

        // the ring has moved on past the gap's end since: to its newest frame
        Assert.True(ListenerEndpoint.IsAcrossGap(4000, gap, ringStart: 9000, out var late));
        Assert.Null(late);

        // behind the ring already before the gap, or lagging after it, or no gap at all: the listener's own lag
        Assert.False(ListenerEndpoint.IsAcrossGap(999, gap, ringStart: 5000, out _));
        Assert.False(ListenerEndpoint.IsAcrossGap(6000, gap, ringStart: 9000, out _));
        Assert.False(ListenerEndpoint.IsAcrossGap(4000, null, ringStart: 5000, out _));
    }
}
