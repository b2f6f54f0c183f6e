using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json;
using Broadcast.Directory.Control;
using Broadcast.Directory.Watching;
using Microsoft.Extensions.Options;

namespace Broadcast.Directory.Api;

/// <summary>
/// Icecast's admin interface for the whole cluster (issue #13): <c>stats</c>, <c>listmounts</c>, <c>listclients</c>,
/// <c>killclient</c>, <c>killsource</c>, <c>moveclients</c>, <c>fallbacks</c>, <c>metadata</c> and
/// <c>streamlist.txt</c> under <c>/admin/</c>, in Icecast 2.4's XML and, with a <c>.json</c> suffix, as JSON the way
/// Icecast 2.5 renders the same documents. Credentials as Icecast tools send them (Basic
/// <c>admin:&lt;Directory:AdminToken&gt;</c>) or the bearer token; without them: 401 and nothing else happens.
/// </summary>
internal static class IcecastAdminApi
{
    public static void MapIcecastAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var options = http.RequestServices.GetRequiredService<IOptions<DirectoryOptions>>().Value;
            if (options.AdminToken.Length == 0 || !AdminApi.Authorized(http.Request.Headers.Authorization, options.AdminToken))
            {
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"Icecast2 Server\"";
                return Respond(http, new AdminOutcome(StatusCodes.Status401Unauthorized, false, "You need to authenticate"));
            }

            var state = http.RequestServices.GetRequiredService<DirectoryState>();
            return state.Available ? await next(context).ConfigureAwait(false) : PublicApi.Unavailable();
        });

        foreach (var suffix in new[] { string.Empty, ".json" })
        {
            admin.MapGet("/stats" + suffix, Stats);
            admin.MapGet("/listmounts" + suffix, ListMounts);
            admin.MapGet("/listclients" + suffix, async (HttpContext http, AdminOperations operations) =>
                Respond(http, await operations.ListClientsAsync(Param(http, "mount"), http.RequestAborted).ConfigureAwait(false), listing: true));
            admin.MapGet("/killclient" + suffix, async (HttpContext http, AdminOperations operations) =>
                Respond(http, await operations.KillClientAsync(Param(http, "mount"), Param(http, "id"), http.RequestAborted).ConfigureAwait(false)));
            admin.MapGet("/killsource" + suffix, async (HttpContext http, AdminOperations operations) =>
                Respond(http, await operations.KillSourceAsync(Param(http, "mount"), http.RequestAborted).ConfigureAwait(false)));
            admin.MapGet("/moveclients" + suffix, async (HttpContext http, AdminOperations operations) =>
                Respond(http, await operations.MoveClientsAsync(Param(http, "mount"), Param(http, "destination"), http.RequestAborted).ConfigureAwait(false)));
            admin.MapGet("/fallbacks" + suffix, async (HttpContext http, AdminOperations operations) =>
                Respond(http, await operations.SetFallbackAsync(Param(http, "mount"), Param(http, "fallback")).ConfigureAwait(false)));
            admin.MapMethods("/metadata" + suffix, ["GET", "POST"], async (HttpContext http, AdminOperations operations) =>
            {
                var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false) : null;
                string? Field(string name) => Param(http, name) ?? (form is not null && form.TryGetValue(name, out var value) ? value.ToString() : null);
                var song = Field("song") ?? (Field("artist") is { } artist && Field("title") is { } title ? $"{artist} - {title}" : null);
                return Respond(http, await operations.MetadataAsync(Field("mount"), Field("mode"), song, Field("url"), http.RequestAborted).ConfigureAwait(false));
            });
        }

        admin.MapGet("/streamlist.txt", (DirectoryState state) =>
            Results.Text(string.Concat(state.Current.Stations.OrderBy(s => s.Mount, StringComparer.Ordinal).Select(s => s.Mount + "\n")), "text/plain", Encoding.UTF8));
    }

    private static IResult Stats(HttpContext http, DirectoryState state, IOptions<DirectoryOptions> options)
    {
        var baseUrl = PublicApi.BaseUrl(http.Request, options.Value);
        if (IsJson(http))
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, PublicApi.IcestatsWriterOptions))
            {
                PublicApi.WriteIcestats(json, state.Current.Stations, state.PeakListeners, http.Request.Host.Host, baseUrl, options.Value);
            }

            return Results.Bytes(buffer.ToArray(), "application/json; charset=utf-8");
        }

        var stations = state.Current.Stations.OrderBy(s => s.Mount, StringComparer.Ordinal).ToList();
        var xml = new StringBuilder("<?xml version=\"1.0\"?>\n<icestats>");
        Element(xml, "admin", options.Value.Admin);
        Element(xml, "host", http.Request.Host.Host);
        Element(xml, "location", options.Value.Location);
        Element(xml, "server_id", "Broadcast");
        Element(xml, "listeners", stations.Sum(s => s.Listeners).ToString(CultureInfo.InvariantCulture));
        Element(xml, "sources", stations.Count.ToString(CultureInfo.InvariantCulture));
        Element(xml, "edges", state.Current.Edges.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var station in stations)
        {
            xml.Append("<source mount=\"").Append(SecurityElement.Escape(station.Mount)).Append("\">");
            Element(xml, "listeners", station.Listeners.ToString(CultureInfo.InvariantCulture));
            Element(xml, "listener_peak", state.PeakListeners(station).ToString(CultureInfo.InvariantCulture));
            Element(xml, "listenurl", baseUrl + station.Mount);
            Element(xml, "server_name", station.Name);
            Element(xml, "server_description", station.Description);
            Element(xml, "genre", station.Genre);
            Element(xml, "server_type", station.ContentType);
            Element(xml, "audio_info", station.AudioInfo);
            Element(xml, "bitrate", station.Bitrate.ToString(CultureInfo.InvariantCulture));
            Element(xml, "title", station.NowPlaying);
            Element(xml, "ingest", station.IngestId);
            xml.Append("</source>");
        }

        return Results.Text(xml.Append("</icestats>\n").ToString(), "text/xml", Encoding.UTF8);
    }

    private static IResult ListMounts(HttpContext http, DirectoryState state, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var stations = state.Current.Stations.OrderBy(s => s.Mount, StringComparer.Ordinal).ToList();
        long Connected(V1.StationInfo station) => station.Started is { } started ? Math.Max(0, (long)(now - started.ToDateTimeOffset()).TotalSeconds) : 0;
        if (IsJson(http))
        {
            return Json(json =>
            {
                json.WriteStartObject("icestats");
                json.WriteStartArray("source");
                foreach (var station in stations)
                {
                    json.WriteStartObject();
                    json.WriteString("mount", station.Mount);
                    json.WriteNumber("listeners", station.Listeners);
                    json.WriteNumber("connected", Connected(station));
                    json.WriteString("content-type", station.ContentType);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            });
        }

        var xml = new StringBuilder("<?xml version=\"1.0\"?>\n<icestats>");
        foreach (var station in stations)
        {
            xml.Append("<source mount=\"").Append(SecurityElement.Escape(station.Mount)).Append("\">");
            Element(xml, "listeners", station.Listeners.ToString(CultureInfo.InvariantCulture));
            Element(xml, "Connected", Connected(station).ToString(CultureInfo.InvariantCulture));
            Element(xml, "content-type", station.ContentType);
            xml.Append("</source>");
        }

        return Results.Text(xml.Append("</icestats>\n").ToString(), "text/xml", Encoding.UTF8);
    }

    /// <summary>An outcome as Icecast answers it: its listener list, else an <c>iceresponse</c> (message and return flag).</summary>
    private static IResult Respond(HttpContext http, AdminOutcome outcome, bool listing = false)
    {
        listing &= outcome.Ok && outcome.Station is not null && outcome.Listeners is not null;
        if (IsJson(http))
        {
            return Json(
                json =>
                {
                    if (listing)
                    {
                        json.WriteStartObject("icestats");
                        json.WriteStartObject("source");
                        json.WriteString("mount", outcome.Station!.Mount);
                        json.WriteNumber("listeners", outcome.Listeners!.Count);
                        json.WriteStartArray("listener");
                        foreach (var listener in outcome.Listeners)
                        {
                            json.WriteStartObject();
                            json.WriteNumber("id", listener.Id);
                            json.WriteString("ip", listener.Address);
                            json.WriteString("useragent", listener.UserAgent);
                            json.WriteNumber("connected", listener.ConnectedSeconds);
                            json.WriteString("edge", listener.Edge);
                            json.WriteEndObject();
                        }

                        json.WriteEndArray();
                        json.WriteEndObject();
                        json.WriteEndObject();
                        return;
                    }

                    json.WriteStartObject("iceresponse");
                    json.WriteString("message", outcome.Message);
                    json.WriteNumber("return", outcome.Ok ? 1 : 0);
                    json.WriteEndObject();
                },
                outcome.Status);
        }

        var xml = new StringBuilder("<?xml version=\"1.0\"?>\n");
        if (listing)
        {
            xml.Append("<icestats><source mount=\"").Append(SecurityElement.Escape(outcome.Station!.Mount)).Append("\">");
            Element(xml, "Listeners", outcome.Listeners!.Count.ToString(CultureInfo.InvariantCulture));
            foreach (var listener in outcome.Listeners)
            {
                var id = listener.Id.ToString(CultureInfo.InvariantCulture);
                xml.Append("<listener id=\"").Append(id).Append("\">");
                Element(xml, "ID", id);
                Element(xml, "IP", listener.Address);
                Element(xml, "UserAgent", listener.UserAgent);
                Element(xml, "Connected", listener.ConnectedSeconds.ToString(CultureInfo.InvariantCulture));
                Element(xml, "edge", listener.Edge);
                xml.Append("</listener>");
            }

            xml.Append("</source></icestats>\n");
        }
        else
        {
            xml.Append("<iceresponse>");
            Element(xml, "message", outcome.Message);
            Element(xml, "return", outcome.Ok ? "1" : "0");
            xml.Append("</iceresponse>\n");
        }

        return Results.Text(xml.ToString(), "text/xml", Encoding.UTF8, outcome.Status);
    }

    private static IResult Json(Action<Utf8JsonWriter> body, int status = StatusCodes.Status200OK)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, PublicApi.IcestatsWriterOptions))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        return Results.Text(buffer.ToArray(), "application/json; charset=utf-8", status);
    }

    private static bool IsJson(HttpContext http) => http.Request.Path.Value?.EndsWith(".json", StringComparison.Ordinal) == true;

    /// <summary>A query parameter, null when absent (an empty value is a value: <c>fallback=</c> clears).</summary>
    private static string? Param(HttpContext http, string name) => http.Request.Query.TryGetValue(name, out var value) ? value.ToString() : null;

    private static void Element(StringBuilder xml, string name, string value) =>
        xml.Append('<').Append(name).Append('>').Append(SecurityElement.Escape(value)).Append("</").Append(name).Append('>');
}
