namespace Broadcast.Shared.Stations;

/// <summary>
/// What a station says about itself, from the encoder's <c>Content-Type</c> and <c>ice-*</c> headers; edges send
/// it to listeners as <c>icy-*</c> headers.
/// </summary>
public sealed record StationMetadata
{
    public required string Mount { get; init; }

    public required string ContentType { get; init; }

    public string? Name { get; init; }

    public string? Description { get; init; }

    public string? Genre { get; init; }

    public string? Url { get; init; }

    public bool Public { get; init; }

    /// <summary>kbit/s as the encoder declared it (<c>ice-bitrate</c> or <c>ice-audio-info</c>); 0 when unknown.</summary>
    public int Bitrate { get; init; }

    public int SampleRate { get; init; }

    public int Channels { get; init; }

    /// <summary>Vorbis encoder quality from <c>ice-audio-info</c> (e.g. <c>2.0</c>); null when not sent.</summary>
    public string? Quality { get; init; }

    public Guid SessionId { get; init; }

    /// <summary>
    /// The session's recent title changes, oldest first, as of the reply (metadata requests only; edges take later
    /// changes from the audio subject, in order with the audio).
    /// </summary>
    public IReadOnlyList<TitleChange>? Titles { get; init; }
}
