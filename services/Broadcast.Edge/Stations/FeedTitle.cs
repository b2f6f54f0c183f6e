using Broadcast.Shared.Stations;

namespace Broadcast.Edge.Stations;

/// <summary>
/// A title as this edge holds it: the change itself and its ICY block, built once per change and shared by every
/// <c>Icy-MetaData</c> listener (so a title costs nothing per listener).
/// </summary>
internal sealed class FeedTitle(TitleChange change)
{
    public TitleChange Change { get; } = change;

    public long Offset => Change.Offset;

    /// <summary><c>StreamTitle='…';StreamUrl='…';</c> with its length byte, padded.</summary>
    public byte[] IcyBlock { get; } = IcyMetadataBlock.Build(change.Title, change.Url);
}
