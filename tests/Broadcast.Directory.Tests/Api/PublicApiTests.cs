using System.Text;
using System.Text.Json;
using Broadcast.Directory.Api;
using Broadcast.Directory.V1;
using Google.Protobuf.WellKnownTypes;

namespace Broadcast.Directory.Tests.Api;

/// <summary>
/// <c>/status-json.xsl</c> with the quirks tools parse (research/features.md §2.2): <c>source</c> absent, an object
/// or an array; numbers as numbers, unknown numbers omitted; Icecast's date formats; <c>"dummy":null</c> last.
/// </summary>
public sealed class PublicApiTests
{
    private static readonly DirectoryOptions Options = new();

    [Fact]
    public void WriteIcestats_NoLiveMount_HasNoSourceKey()
    {
        var icestats = Render([]).GetProperty("icestats");

        Assert.False(icestats.TryGetProperty("source", out _));
        Assert.Equal("radio.example.org", icestats.GetProperty("host").GetString());
        Assert.Matches(@"^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$", icestats.GetProperty("server_start").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$", icestats.GetProperty("server_start_iso8601").GetString());
    }

    [Fact]
    public void WriteIcestats_OneMount_SourceIsAnObjectWithIcecastsFields()
    {
        var station = Station("/jazz.mp3", listeners: 7);
        station.Bitrate = 128;
        station.SampleRate = 44100;
        station.Channels = 2;
        station.AudioInfo = "channels=2;samplerate=44100;bitrate=128";

        var source = Render([station]).GetProperty("icestats").GetProperty("source");

        Assert.Equal(JsonValueKind.Object, source.ValueKind);
        Assert.Equal(7, source.GetProperty("listeners").GetInt64());
        Assert.Equal(9, source.GetProperty("listener_peak").GetInt64());
        Assert.Equal(128, source.GetProperty("bitrate").GetInt32());
        Assert.Equal("channels=2;samplerate=44100;bitrate=128", source.GetProperty("audio_info").GetString()); // Icecast's own form
        Assert.Equal("https://radio.example.org/jazz.mp3", source.GetProperty("listenurl").GetString());
        Assert.Equal("audio/mpeg", source.GetProperty("server_type").GetString());
        Assert.Equal("Jazz FM", source.GetProperty("server_name").GetString());
        Assert.Equal("Artist - Title", source.GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, source.GetProperty("dummy").ValueKind);
        Assert.Equal("dummy", source.EnumerateObject().Last().Name);
    }

    [Fact]
    public void WriteIcestats_SeveralMounts_SourceIsAnArrayInMountOrder_UnknownNumbersOmitted()
    {
        var source = Render([Station("/b.ogg", 1), Station("/a.mp3", 2)]).GetProperty("icestats").GetProperty("source");

        Assert.Equal(JsonValueKind.Array, source.ValueKind);
        Assert.Equal(["https://radio.example.org/a.mp3", "https://radio.example.org/b.ogg"], source.EnumerateArray().Select(s => s.GetProperty("listenurl").GetString()));
        Assert.False(source[0].TryGetProperty("bitrate", out _), "unknown bitrate is left out, not 0");
    }

    [Fact]
    public void WriteIcestats_Offsets_WrittenAsIcecastDoes()
    {
        var station = Station("/a.mp3", 0);
        station.Started = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

        var json = RenderText([station]);

        Assert.DoesNotContain("\\u002B", json, StringComparison.Ordinal); // "+0100" as Icecast writes it, not "\u002B0100"
        Assert.Matches("\"stream_start_iso8601\":\"2026-11-2\\dT\\d{2}:\\d{2}:00[+-]\\d{4}\"", json);
    }

    private static StationInfo Station(string mount, long listeners) => new()
    {
        Mount = mount,
        Name = "Jazz FM",
        ContentType = "audio/mpeg",
        NowPlaying = "Artist - Title",
        Listeners = listeners,
        SessionId = "s1",
    };

    private static JsonElement Render(StationInfo[] stations) => JsonDocument.Parse(RenderText(stations)).RootElement.Clone();

    private static string RenderText(StationInfo[] stations)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, PublicApi.IcestatsWriterOptions))
        {
            PublicApi.WriteIcestats(json, stations, s => s.Listeners + 2, "radio.example.org", "https://radio.example.org", Options);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
