using System.Buffers.Binary;

namespace Broadcast.Shared.Codecs;

/// <summary>What the framer tracks of one logical stream: how many header packets it has and has seen, and its clock.</summary>
internal struct OggLogicalStream
{
    public uint Serial;
    public OggCodec Codec;
    public int HeaderPackets;
    public int PacketsSeen;
    public int SampleRate;
    public long LastGranule;

    /// <summary>Reads the identification packet (the whole body of a BOS page).</summary>
    public static OggLogicalStream Identify(uint serial, ReadOnlySpan<byte> packet)
    {
        var stream = new OggLogicalStream { Serial = serial, HeaderPackets = 1 };
        if (packet.Length >= 16 && packet[0] == 1 && packet[1..7].SequenceEqual("vorbis"u8))
        {
            // Vorbis I spec §4.2.2: identification, comment and setup headers.
            stream.Codec = OggCodec.Vorbis;
            stream.HeaderPackets = 3;
            stream.SampleRate = (int)BinaryPrimitives.ReadUInt32LittleEndian(packet[12..]);
        }
        else if (packet.Length >= 19 && packet.StartsWith("OpusHead"u8))
        {
            // RFC 7845 §3, §4.2: OpusHead and OpusTags; granules run at 48 kHz and start at the pre-skip.
            stream.Codec = OggCodec.Opus;
            stream.HeaderPackets = 2;
            stream.SampleRate = 48000;
            stream.LastGranule = BinaryPrimitives.ReadUInt16LittleEndian(packet[10..]);
        }
        else if (packet.Length >= 30 && packet[0] == 0x7F && packet[1..5].SequenceEqual("FLAC"u8))
        {
            // Ogg FLAC mapping: bytes 7-8 count the header packets after this one (0 = unknown, then
            // at least VORBIS_COMMENT follows); STREAMINFO's 20-bit sample rate starts at byte 27.
            stream.Codec = OggCodec.Flac;
            var following = BinaryPrimitives.ReadUInt16BigEndian(packet[7..]);
            stream.HeaderPackets = 1 + (following == 0 ? 1 : following);
            stream.SampleRate = (packet[27] << 12) | (packet[28] << 4) | (packet[29] >> 4);
        }
        else if (packet.Length >= 8 && packet.StartsWith("Speex   "u8))
        {
            stream.Codec = OggCodec.Speex;
            stream.HeaderPackets = 2;
        }
        else if (packet.Length >= 7 && packet[0] == 0x80 && packet[1..7].SequenceEqual("theora"u8))
        {
            stream.Codec = OggCodec.Theora;
            stream.HeaderPackets = 3;
        }

        return stream;
    }
}
