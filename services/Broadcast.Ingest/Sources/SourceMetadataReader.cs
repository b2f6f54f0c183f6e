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
            SampleRate = Number(Info(audioInfo, "samplerate")) ?? 0,
            Channels = Number(Info(audioInfo, "channels")) ?? 0,
        };
    }

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

    /// <summary><c>ice-audio-info: bitrate=128;samplerate=44100;channels=2</c>; butt prefixes keys with <c>ice-</c>.</summary>
    private static Dictionary<string, string> ParseAudioInfo(string? info)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in (info ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
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
