namespace Broadcast.Shared.Messaging;

/// <summary>The container/codec of a station stream. Stored as one byte in the chunk envelope.</summary>
public enum AudioCodec : byte
{
    Unknown = 0,

    /// <summary>MPEG-1/2/2.5 audio, Layer I, II or III (<c>audio/mpeg</c>).</summary>
    Mpeg = 1,

    /// <summary>AAC in ADTS framing (<c>audio/aac</c>, <c>audio/aacp</c>).</summary>
    AacAdts = 2,

    /// <summary>Ogg pages carrying Vorbis, Opus or FLAC (<c>application/ogg</c>, <c>audio/ogg</c>).</summary>
    Ogg = 3,
}
