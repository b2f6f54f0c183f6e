using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Broadcast.Directory.V1;
using Broadcast.Directory.Watching;
using Microsoft.Extensions.Options;

namespace Broadcast.Directory.Api;

/// <summary>
/// Public reads, served from the directory's in-memory view (never a Redis round trip per request):
/// <c>/api/stations</c>, <c>/api/stations/{mount}</c>, <c>/api/edges</c>, and Icecast's <c>/status-json.xsl</c> in the shape existing
/// players and encoders parse. 503 while Redis is unreachable.
/// </summary>
internal static class PublicApi
{
    /// <summary>Relaxed escaping: "+0200" as Icecast writes it, not "\u002B0200" (the body is JSON, never embedded in HTML).</summary>
    internal static readonly JsonWriterOptions IcestatsWriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly DateTimeOffset ServerStart = DateTimeOffset.Now;

    public static void MapPublicApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/stations", (HttpContext context, DirectoryState state, IOptions<DirectoryOptions> options) =>
        {
            if (!state.Available)
            {
                return Unavailable();
            }

            var baseUrl = BaseUrl(context.Request, options.Value);
            var views = state.Current.Stations.OrderBy(s => s.Mount, StringComparer.Ordinal).Select(s => StationView.From(s, state.PeakListeners(s), baseUrl)).ToArray();
            return Results.Json(views, ApiJsonContext.Default.StationViewArray);
        });

        app.MapGet("/api/stations/{**mount}", (string mount, HttpContext context, DirectoryState state, IOptions<DirectoryOptions> options) =>
        {
            if (!ApiError.TryMount(mount, out var name, out var problem))
            {
                return problem;
            }

            if (!state.Available)
            {
                return Unavailable();
            }

            var station = state.Current.Stations.FirstOrDefault(s => s.Mount == name.Mount);
            return station is null
                ? ApiError.Result(StatusCodes.Status404NotFound, $"station {name.Mount} is not live")
                : Results.Json(StationView.From(station, state.PeakListeners(station), BaseUrl(context.Request, options.Value)), ApiJsonContext.Default.StationView);
        });

        app.MapGet("/api/edges", (DirectoryState state) => state.Available
            ? Results.Json(state.Current.Edges.Select(e => new EdgeView(e.EdgeId, e.Address, e.Listeners, e.Draining)).OrderBy(e => e.Id, StringComparer.Ordinal).ToArray(), ApiJsonContext.Default.EdgeViewArray)
            : Unavailable());

        app.MapGet("/status-json.xsl", async (HttpContext context, DirectoryState state, IOptions<DirectoryOptions> options) =>
        {
            if (!state.Available)
            {
                await Unavailable().ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            var response = context.Response;
            response.ContentType = "application/json; charset=utf-8";
            response.Headers.AccessControlAllowOrigin = "*";
            response.Headers.CacheControl = "no-cache";
            await using var json = new Utf8JsonWriter(response.Body, IcestatsWriterOptions);
            var request = context.Request;
            WriteIcestats(json, state.Current.Stations, state.PeakListeners, request.Host.Host, BaseUrl(request, options.Value), options.Value);
            await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// Icecast 2.4's <c>status-json.xsl</c> (research/features.md §2.2): <c>source</c> is an object for one mount, an
    /// array for several, absent for none; numbers are JSON numbers; each source ends with <c>"dummy":null</c>.
    /// </summary>
    internal static void WriteIcestats(Utf8JsonWriter json, IEnumerable<StationInfo> live, Func<StationInfo, long> peak, string host, string baseUrl, DirectoryOptions options)
    {
        var stations = live.OrderBy(s => s.Mount, StringComparer.Ordinal).ToList();
        json.WriteStartObject();
        json.WriteStartObject("icestats");
        json.WriteString("admin", options.Admin);
        json.WriteString("host", host);
        json.WriteString("location", options.Location);
        json.WriteString("server_id", "Broadcast");
        json.WriteString("server_start", Rfc822(ServerStart));
        json.WriteString("server_start_iso8601", Iso8601(ServerStart));
        if (stations.Count == 1)
        {
            json.WritePropertyName("source");
            WriteSource(json, stations[0], peak(stations[0]), baseUrl);
        }
        else if (stations.Count > 1)
        {
            json.WriteStartArray("source");
            foreach (var station in stations)
            {
                WriteSource(json, station, peak(station), baseUrl);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteSource(Utf8JsonWriter json, StationInfo station, long peak, string baseUrl)
    {
        json.WriteStartObject();
        WriteStringIfKnown(json, "audio_info", station.AudioInfo); // in Icecast's form, as the ingest writes it

        WriteNumberIfKnown(json, "bitrate", station.Bitrate);
        WriteNumberIfKnown(json, "channels", station.Channels);
        WriteStringIfKnown(json, "genre", station.Genre);
        json.WriteNumber("listener_peak", peak);
        json.WriteNumber("listeners", station.Listeners);
        json.WriteString("listenurl", baseUrl + station.Mount);
        WriteNumberIfKnown(json, "samplerate", station.SampleRate);
        WriteStringIfKnown(json, "server_description", station.Description);
        WriteStringIfKnown(json, "server_name", station.Name);
        json.WriteString("server_type", station.ContentType);
        WriteStringIfKnown(json, "server_url", station.Url);
        if (station.Started is { } started)
        {
            var local = started.ToDateTimeOffset().ToLocalTime();
            json.WriteString("stream_start", Rfc822(local));
            json.WriteString("stream_start_iso8601", Iso8601(local));
        }

        WriteStringIfKnown(json, "title", station.NowPlaying);
        json.WriteNull("dummy");
        json.WriteEndObject();
    }

    private static void WriteNumberIfKnown(Utf8JsonWriter json, string name, int value)
    {
        if (value > 0)
        {
            json.WriteNumber(name, value);
        }
    }

    private static void WriteStringIfKnown(Utf8JsonWriter json, string name, string value)
    {
        if (value.Length > 0)
        {
            json.WriteString(name, value);
        }
    }

    /// <summary>Icecast's format: <c>Sat, 16 Apr 2022 21:56:36 +0200</c>.</summary>
    private static string Rfc822(DateTimeOffset time) =>
        time.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + Zone(time);

    /// <summary>Icecast's format: <c>2022-04-16T21:56:36+0200</c>.</summary>
    private static string Iso8601(DateTimeOffset time) =>
        time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + Zone(time);

    private static string Zone(DateTimeOffset time) =>
        (time.Offset < TimeSpan.Zero ? "-" : "+") + time.Offset.Duration().ToString("hhmm", CultureInfo.InvariantCulture);

    /// <summary>The configured public URL, else the one the client used (through the gateway: its X-Forwarded-* headers).</summary>
    internal static string BaseUrl(HttpRequest request, DirectoryOptions options)
    {
        if (options.PublicUrl.Length > 0)
        {
            return options.PublicUrl.TrimEnd('/');
        }

        var proto = First(request.Headers["X-Forwarded-Proto"]) ?? request.Scheme;
        var host = First(request.Headers["X-Forwarded-Host"]) ?? request.Host.Value ?? "localhost";
        return (proto is "https" ? "https" : "http") + "://" + host;
    }

    private static string? First(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count > 0 && !string.IsNullOrWhiteSpace(values[0]) ? values[0]!.Split(',')[0].Trim() : null;

    internal static IResult Unavailable() =>
        ApiError.Result(StatusCodes.Status503ServiceUnavailable, "directory unavailable: Redis is unreachable; streaming continues");
}
