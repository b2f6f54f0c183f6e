namespace Broadcast.Shared.Codecs;

/// <summary>The codec of one Ogg logical stream, told by its identification header.</summary>
public enum OggCodec
{
    Unknown = 0,
    Vorbis,
    Opus,
    Flac,
    Speex,
    Theora,
}
