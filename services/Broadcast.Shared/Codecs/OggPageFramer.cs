using System.Buffers.Binary;

namespace Broadcast.Shared.Codecs;

/// <summary>
/// Ogg pages (RFC 3533), CRC checked, for Vorbis, Opus and FLAC streams. Header pages of each logical
/// stream are marked <see cref="FrameKind.OggHeader"/>; a new beginning-of-stream page after audio starts
/// a new chain (<see cref="AudioFrame.StartsChain"/>), as when a playout tool starts the next track.
/// </summary>
public sealed class OggPageFramer : AudioFramer
{
    /// <summary>RFC 3533 §6: a 27-byte header, up to 255 lacing values, up to 255 × 255 body bytes.</summary>
    public const int MaxPageLength = 27 + 255 + (255 * 255);

    /// <summary>Logical streams tracked per chain; more than an audio station needs (one), plus multiplexes.</summary>
    public const int MaxLogicalStreams = 8;

    private const int HeaderLength = 27;
    private const byte FlagContinued = 0x01;
    private const byte FlagBeginOfStream = 0x02;

    private readonly OggLogicalStream[] _streams = new OggLogicalStream[MaxLogicalStreams];
    private int _streamCount;
    private bool _sawAudio = true;

    public OggPageFramer()
        : base(MaxPageLength + HeaderLength)
    {
    }

    /// <summary>Pages dropped because their checksum was wrong.</summary>
    public long CrcFailures { get; private set; }

    /// <summary>The codec of the first logical stream of the current chain.</summary>
    public OggCodec Codec => _streamCount > 0 ? _streams[0].Codec : OggCodec.Unknown;

    public override void Reset()
    {
        base.Reset();
        _streamCount = 0;
        _sawAudio = true;
    }

    private protected override FrameScan Scan(ReadOnlySpan<byte> window, out int length)
    {
        length = 0;
        if (!window.StartsWith("OggS"u8))
        {
            return SkipToCapture(window, out length);
        }

        if (window.Length < HeaderLength)
        {
            return FrameScan.NeedMore;
        }

        int segments = window[26];
        if (window[4] != 0 || (window[5] & ~0x07) != 0)
        {
            return Broken(out length);
        }

        if (window.Length < HeaderLength + segments)
        {
            return FrameScan.NeedMore;
        }

        var pageLength = HeaderLength + segments;
        foreach (var lacing in window.Slice(HeaderLength, segments))
        {
            pageLength += lacing;
        }

        if (window.Length < pageLength)
        {
            return FrameScan.NeedMore;
        }

        var page = window[..pageLength];
        if (OggCrc.Compute(page) != BinaryPrimitives.ReadUInt32LittleEndian(page[22..]))
        {
            CrcFailures++;
            return Broken(out length);
        }

        length = pageLength;
        return FrameScan.Frame;
    }

    private protected override AudioFrame Describe(ReadOnlySpan<byte> page)
    {
        var flags = page[5];
        var granule = BinaryPrimitives.ReadInt64LittleEndian(page[6..]);
        var serial = BinaryPrimitives.ReadUInt32LittleEndian(page[14..]);
        int segments = page[26];
        var lacing = page.Slice(HeaderLength, segments);
        var body = page[(HeaderLength + segments)..];
        var packets = lacing.Length - lacing.Count((byte)255);

        var startsChain = false;
        if ((flags & FlagBeginOfStream) != 0)
        {
            if (_sawAudio)
            {
                _streamCount = 0;
                _sawAudio = false;
                startsChain = true;
            }

            if (_streamCount < MaxLogicalStreams)
            {
                _streams[_streamCount++] = OggLogicalStream.Identify(serial, body[..FirstPacketLength(lacing)]);
            }
        }

        var index = Find(serial);
        if (index >= 0 && _streams[index].PacketsSeen < _streams[index].HeaderPackets)
        {
            _streams[index].PacketsSeen += packets;
            return new AudioFrame(page, FrameKind.OggHeader, 0, _streams[index].SampleRate, packets, startsChain, isSyncPoint: false);
        }

        _sawAudio = true;
        var samples = 0;
        var sampleRate = 0;
        if (index >= 0 && granule != -1)
        {
            ref var stream = ref _streams[index];
            samples = (int)Math.Clamp(granule - stream.LastGranule, 0, int.MaxValue);
            sampleRate = stream.SampleRate;
            stream.LastGranule = granule;
        }

        var syncPoint = (flags & FlagContinued) == 0;
        return new AudioFrame(page, FrameKind.Audio, samples, sampleRate, packets, startsChain, syncPoint);
    }

    private static int FirstPacketLength(ReadOnlySpan<byte> lacing)
    {
        var length = 0;
        foreach (var value in lacing)
        {
            length += value;
            if (value < 255)
            {
                break;
            }
        }

        return length;
    }

    private static FrameScan SkipToCapture(ReadOnlySpan<byte> window, out int length)
    {
        var next = window.IndexOf("OggS"u8);
        if (next > 0)
        {
            length = next;
            return FrameScan.Skip;
        }

        // Keep a tail that may be the start of a capture pattern split across feeds.
        var keep = Math.Min(3, window.Length);
        while (keep > 0 && !"OggS"u8.StartsWith(window[^keep..]))
        {
            keep--;
        }

        length = window.Length - keep;
        return length > 0 ? FrameScan.Skip : FrameScan.NeedMore;
    }

    private FrameScan Broken(out int length)
    {
        Resyncs++;
        length = 1;
        return FrameScan.Skip;
    }

    private int Find(uint serial)
    {
        for (var i = 0; i < _streamCount; i++)
        {
            if (_streams[i].Serial == serial)
            {
                return i;
            }
        }

        return -1;
    }
}
