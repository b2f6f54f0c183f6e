using Broadcast.Shared.Codecs;
using Broadcast.Shared.Messaging;

namespace Broadcast.Ingest.Sources;

/// <summary>Which framer a source's <c>Content-Type</c> selects.</summary>
internal static class SourceCodecs
{
    /// <summary>The codec for a content type (parameters ignored); <see cref="AudioCodec.Unknown"/> when unsupported.</summary>
    public static AudioCodec FromContentType(string contentType)
    {
        var media = contentType.Split(';', 2)[0].Trim().ToLowerInvariant();
        return media switch
        {
            "audio/mpeg" or "audio/mp3" or "audio/mpeg3" => AudioCodec.Mpeg,
            "audio/aac" or "audio/aacp" or "audio/x-aac" => AudioCodec.AacAdts,
            "application/ogg" or "audio/ogg" or "audio/opus" or "audio/vorbis" or "audio/flac" or "audio/x-flac" => AudioCodec.Ogg,
            _ => AudioCodec.Unknown,
        };
    }

    public static AudioFramer CreateFramer(AudioCodec codec) => codec switch
    {
        AudioCodec.Mpeg => new MpegAudioFramer(),
        AudioCodec.AacAdts => new AdtsFramer(),
        AudioCodec.Ogg => new OggPageFramer(),
        _ => throw new ArgumentOutOfRangeException(nameof(codec)),
    };
}
