namespace Broadcast.Shared.Messaging;

/// <summary>Why a message was not a chunk this version can read.</summary>
public enum ChunkEnvelopeError
{
    None = 0,
    TooShort,
    BadMagic,
    UnsupportedVersion,
    BadHeaderLength,
    BadStation,
    NegativeOffset,
}
