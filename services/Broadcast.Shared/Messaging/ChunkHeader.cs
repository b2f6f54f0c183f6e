namespace Broadcast.Shared.Messaging;

/// <summary>
/// What every audio chunk on NATS says about itself. The station travels beside it as ASCII bytes
/// (see <see cref="ChunkEnvelope"/>) so that decoding creates no string.
/// </summary>
/// <param name="SessionId">The source session (one encoder connection); offsets restart at 0 with each.</param>
/// <param name="Offset">Absolute byte offset of the payload's first byte in the session's stream.</param>
/// <param name="Sequence">Chunk number in the session, from 0; a jump means chunks were lost.</param>
/// <param name="Codec">The stream's codec; the same for every chunk of a session.</param>
/// <param name="Flags">What kind of chunk this is; see <see cref="ChunkFlags"/>.</param>
/// <param name="Trace">W3C trace context when <see cref="ChunkFlags.TraceContext"/> is set.</param>
/// <param name="Received">When the ingest received the chunk's first frame, unix microseconds; 0 when not carried.</param>
public readonly record struct ChunkHeader(
    Guid SessionId,
    long Offset,
    long Sequence,
    AudioCodec Codec,
    ChunkFlags Flags,
    ChunkTraceContext Trace = default,
    long Received = 0);
