namespace Broadcast.Shared.Messaging;

/// <summary>Bit flags of a chunk. Unknown bits are carried, never rejected, so senders can add hints.</summary>
[Flags]
public enum ChunkFlags : byte
{
    None = 0,

    /// <summary>The payload is Ogg header pages (identification, comments, setup), not audio.</summary>
    OggHeaders = 1 << 0,

    /// <summary>The first chunk of a source session.</summary>
    SessionStart = 1 << 1,

    /// <summary>The source ended; the payload is empty and listeners should be ended cleanly.</summary>
    EndOfStream = 1 << 2,

    /// <summary>A W3C trace context follows the fixed header (sampled chunks only).</summary>
    TraceContext = 1 << 3,

    /// <summary>The chunk answers a burst request (a replay of recent frames, not new audio).</summary>
    Burst = 1 << 4,
}
