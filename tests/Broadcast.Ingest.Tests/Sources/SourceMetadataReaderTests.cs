using Broadcast.Ingest.Sources;
using Broadcast.Shared.Stations;

namespace Broadcast.Ingest.Tests.Sources;

public sealed class SourceMetadataReaderTests
{
    [Theory]
    [InlineData("ice-samplerate=44100;ice-bitrate=128;ice-channels=2", "channels=2;samplerate=44100;bitrate=128")] // butt
    [InlineData("bitrate=128;samplerate=44100;channels=2", "channels=2;samplerate=44100;bitrate=128")] // libshout
    [InlineData("samplerate=48000;channels=2;quality=2.0", "channels=2;samplerate=48000;quality=2.0")] // Vorbis quality
    [InlineData("bitrate=128%3Bsamplerate=22050", "samplerate=22050;bitrate=128")] // URL-encoded separators
    [InlineData("bitrate=huge;channels=-3;quality=abc", "")] // nonsense is dropped, not echoed
    public void Read_AudioInfo_ComesBackInIcecastsForm(string audioInfo, string expected)
    {
        var request = new SourceRequest
        {
            Method = "PUT",
            Target = "/m.mp3",
            Version = "HTTP/1.1",
            Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["ice-audio-info"] = audioInfo },
        };
        Assert.True(StationName.TryParse("/m.mp3", out var station, out _));

        var metadata = SourceMetadataReader.Read(station!, request, "audio/mpeg", Guid.NewGuid());

        Assert.Equal(expected, SourceMetadataReader.AudioInfo(metadata));
    }
}
