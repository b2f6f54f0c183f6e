using System.Globalization;
using Broadcast.Shared.Stations;

namespace Broadcast.Ingest.Sources;

/// <summary>Reads station metadata from a source's <c>ice-*</c> (and legacy <c>icy-*</c>) headers.</summary>
internal static class SourceMetadataReader
{
    /// <summary>Longest metadata value kept; longer values are cut so a hostile header cannot bloat every listener's response.</summary>
    private const int MaxValueLength = 256;

    public static StationMetadata Read(StationName station, SourceRequest request, string contentType, Guid session)
    {
        var audioInfo = ParseAudioInfo(request.Header("ice-audio-info"));
        return new StationMetadata
        {
            Mount = station.Mount,
            ContentType = contentType.Split(';', 2)[0].Trim(),
            SessionId = session,
            Name = Value(request, "ice-name", "icy-name"),
            Description = Value(request, "ice-description", "icy-description"),
            Genre = Value(request, "ice-genre", "icy-genre"),
            Url = Value(request, "ice-url", "icy-url"),
            Public = Value(request, "ice-public", "icy-pub") is "1" or "true",
            Bitrate = Number(Value(request, "ice-bitrate", "icy-br")) ?? Number(Info(audioInfo, "bitrate")) ?? 0,
            SampleRate = Number(Value(request, "ice-samplerate", "icy-sr")) ?? Number(Info(audioInfo, "samplerate")) ?? 0,
            Channels = Number(Value(request, "ice-channels", "icy-channels")) ?? Number(Info(audioInfo, "channels")) ?? 0,
            Quality = Quality(Info(audioInfo, "quality")),
        };
    }

    /// <summary>
    /// A title the encoder sends with its handshake (<c>ice-title</c>, or <c>icy-title</c> from SHOUTcast-style
    /// encoders), so the first title of a DJ's set is there from the first byte; null when none.
    /// </summary>
    public static string? InitialTitle(SourceRequest request) => Value(request, "ice-title", "icy-title");

    /// <summary>Icecast's own form of the audio info: <c>channels=2;samplerate=44100;bitrate=128</c> (and <c>quality</c> when sent).</summary>
    public static string AudioInfo(StationMetadata metadata)
    {
        var parts = new List<string>(4);
        if (metadata.Channels > 0)
        {
            parts.Add(FormattableString.Invariant($"channels={metadata.Channels}"));
        }

        if (metadata.SampleRate > 0)
        {
            parts.Add(FormattableString.Invariant($"samplerate={metadata.SampleRate}"));
        }

        if (metadata.Bitrate > 0)
        {
            parts.Add(FormattableString.Invariant($"bitrate={metadata.Bitrate}"));
        }

        if (metadata.Quality is { } quality)
        {
            parts.Add("quality=" + quality);
        }

        return string.Join(';', parts);
    }

    /// <summary>Vorbis quality as sent (<c>2.0</c>, <c>-1</c>); anything that is not a small number is dropped.</summary>
    private static string? Quality(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= -2 and <= 11
            ? value.ToString("0.0##", CultureInfo.InvariantCulture)
            : null;

    private static string? Value(SourceRequest request, string name, string legacy)
    {
        var value = request.Header(name) ?? request.Header(legacy);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = new string([.. value.Where(c => !char.IsControl(c))]);
        return value.Length > MaxValueLength ? value[..MaxValueLength] : value;
    }

    /// <summary>
    /// <c>ice-audio-info: bitrate=128;samplerate=44100;channels=2</c>; butt prefixes keys with <c>ice-</c>, libshout
    /// URL-encodes the pairs (<c>ice-bitrate%3D128</c> is not seen in practice, but <c>%3B</c> separators are decoded).
    /// </summary>
    private static Dictionary<string, string> ParseAudioInfo(string? info)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in Uri.UnescapeDataString(info ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            if (parts.Length == 2)
            {
                var key = parts[0].Trim();
                values[key.StartsWith("ice-", StringComparison.OrdinalIgnoreCase) ? key[4..] : key] = parts[1].Trim();
            }
        }

        return values;
    }

    private static string? Info(Dictionary<string, string> info, string key) => info.GetValueOrDefault(key);

    private static int? Number(string? text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value is >= 0 and < 100_000 ? value : null;
}
