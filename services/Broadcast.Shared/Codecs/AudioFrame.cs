namespace Broadcast.Shared.Codecs;

/// <summary>
/// One whole frame (MPEG, ADTS) or page (Ogg). <see cref="Data"/> points into the framer's buffer and is
/// valid until the next call on that framer: copy it out (into a chunk, a ring) before asking again.
/// </summary>
public readonly ref struct AudioFrame
{
    public AudioFrame(ReadOnlySpan<byte> data, FrameKind kind, int samples, int sampleRate, int packets, bool startsChain, bool isSyncPoint)
    {
        IsSyncPoint = isSyncPoint;
        Data = data;
        Kind = kind;
        Samples = samples;
        SampleRate = sampleRate;
        Packets = packets;
        StartsChain = startsChain;
    }

    public ReadOnlySpan<byte> Data { get; }

    public FrameKind Kind { get; }

    /// <summary>PCM samples per channel this frame decodes to; 0 when unknown (e.g. an Ogg page with no granule).</summary>
    public int Samples { get; }

    /// <summary>Samples per second for <see cref="Samples"/>; 0 when unknown.</summary>
    public int SampleRate { get; }

    /// <summary>Codec packets completed in this frame: 1 for MPEG/ADTS, 0..n for an Ogg page.</summary>
    public int Packets { get; }

    /// <summary>True for the first header page of a new Ogg chain: earlier captured headers no longer apply.</summary>
    public bool StartsChain { get; }

    /// <summary>True when a listener may start here: every MPEG/ADTS audio frame, an Ogg audio page that does not continue a packet.</summary>
    public bool IsSyncPoint { get; }

    /// <summary>Duration in microseconds, 0 when unknown.</summary>
    public long DurationMicroseconds => SampleRate > 0 ? Samples * 1_000_000L / SampleRate : 0;
}
