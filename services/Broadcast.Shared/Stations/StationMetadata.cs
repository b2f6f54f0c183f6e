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

    public Guid SessionId { get; init; }
}
