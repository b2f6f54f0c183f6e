namespace Broadcast.Ingest.Sources;

/// <summary>What a <see cref="SourceSession"/> does with its station's stream on this ingest.</summary>
internal enum SessionRole
{
    /// <summary>It publishes the stream (answers edges' metadata and burst requests, holds the lease).</summary>
    Publishing,

    /// <summary>Another ingest publishes it; this one holds lower-priority encoders waiting for their turn.</summary>
    Standby,

    /// <summary>Over: ended, or handed over with nobody waiting here.</summary>
    Ended,
}
