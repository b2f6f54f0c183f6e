namespace Broadcast.Shared.Stations;

/// <summary>
/// A title as the station stream carries it: what is playing from stream byte <see cref="Offset"/> of the source
/// session on, until the next change. Every edge applies it at that byte, so what a listener sees is what it hears.
/// </summary>
/// <param name="Offset">Stream offset (the source session's byte clock) the title takes effect at: a frame boundary.</param>
/// <param name="Title">The title, <c>Artist - Title</c> when the encoder sent them apart; UTF-8 when it travels.</param>
/// <param name="Url">The <c>StreamUrl</c> that goes with it; empty when none.</param>
/// <param name="Started">Wall-clock time the ingest stamped it (for history and now-playing views).</param>
public sealed record TitleChange(long Offset, string Title, string Url, DateTimeOffset Started)
{
    /// <summary>Most UTF-8 bytes of a title on the wire; with the URL it fits Icecast's 4080-byte metadata block.</summary>
    public const int MaxTitleBytes = 2048;

    /// <summary>Most UTF-8 bytes of a title's URL on the wire.</summary>
    public const int MaxUrlBytes = 1024;
}
