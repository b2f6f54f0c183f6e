using System.Globalization;
using Broadcast.Shared.Codecs;
using Broadcast.Testing;

namespace Broadcast.Shared.Tests.Codecs;

/// <summary>The codec fixtures (made by Fixtures/make-fixtures.sh) and what ffprobe says about them.</summary>
internal static class Fixture
{
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Codecs", "Fixtures", name));

    public static AudioFramer FramerFor(string name) => Path.GetExtension(name) switch
    {
        ".mp3" or ".mp2" => new MpegAudioFramer(),
        ".aac" => new AdtsFramer(),
        ".ogg" => new OggPageFramer(),
        _ => throw new ArgumentException(name),
    };

    /// <summary>ffprobe's count of audio packets (demuxed frames, Xing/Info excluded) and the duration in seconds.</summary>
    public static async Task<(int Packets, double Duration)> ProbeAsync(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Codecs", "Fixtures", name);
        var output = await ExternalTool.RunAsync(
            "ffprobe",
            ["-v", "error", "-count_packets", "-select_streams", "a:0", "-show_entries", "stream=nb_read_packets",
             "-show_entries", "format=duration", "-of", "default=noprint_wrappers=1", path],
            TimeSpan.FromSeconds(30),
            TestContext.Current.CancellationToken);
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        return (int.Parse(values["nb_read_packets"], CultureInfo.InvariantCulture),
                double.Parse(values["duration"], CultureInfo.InvariantCulture));
    }
}
