using Broadcast.Edge.Stations;
using Broadcast.Shared.Stations;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// One listener's place in the ICY interleave: audio bytes left before the next block, and which title it has.
/// A block carries the title in effect at the stream offset it is inserted at, so two listeners who start at the same
/// offset get the same bytes on any edge (resume with <c>from=</c> stays byte-exact with metadata on). A value type
/// held by the listener's loop: nothing is allocated per listener or per block.
/// </summary>
internal struct IcyInterleave(int interval)
{
    private FeedTitle? _sent;
    private bool _started;

    /// <summary>Audio bytes between blocks; 0: no interleave.</summary>
    public int Interval { get; } = interval;

    public int UntilBlock { get; set; } = interval;

    /// <summary>
    /// The block to insert now: the title's when it changed since the last block (the first block always says what
    /// plays, <c>StreamTitle='';</c> before any title), else the single zero byte.
    /// </summary>
    public ReadOnlyMemory<byte> NextBlock(FeedTitle? title)
    {
        if (_started && ReferenceEquals(title, _sent))
        {
            return IcyMetadataBlock.Unchanged;
        }

        _started = true;
        _sent = title;
        return title?.IcyBlock ?? IcyMetadataBlock.Empty;
    }
}
