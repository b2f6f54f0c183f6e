using System.Globalization;
using System.Net;
using System.Text;
using Broadcast.Directory.Watching;
using Microsoft.Extensions.Options;

namespace Broadcast.Directory.Api;

/// <summary>
/// <c>/status.xsl</c>: Icecast's public status page, one block per live station (name, description, type, listeners,
/// peak, what is playing, the listen URL). Public as in Icecast; every value from a source is HTML-encoded.
/// </summary>
internal static class StatusPage
{
    public static void MapStatusPage(this IEndpointRouteBuilder app) =>
        app.MapGet("/status.xsl", (HttpContext http, DirectoryState state, IOptions<DirectoryOptions> options) =>
        {
            if (!state.Available)
            {
                return PublicApi.Unavailable();
            }

            var baseUrl = PublicApi.BaseUrl(http.Request, options.Value);
            var html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Icecast Streaming Media Server</title></head><body><h1>Broadcast status</h1>\n");
            var stations = state.Current.Stations.OrderBy(s => s.Mount, StringComparer.Ordinal).ToList();
            if (stations.Count == 0)
            {
                html.Append("<p>No stations are live.</p>\n");
            }

            foreach (var station in stations)
            {
                var url = baseUrl + station.Mount;
                html.Append("<div class=\"roundbox\"><h3 class=\"mount\">Mount Point ").Append(Encode(station.Mount)).Append("</h3><table>");
                Row(html, "Stream Name:", station.Name);
                Row(html, "Stream Description:", station.Description);
                Row(html, "Content Type:", station.ContentType);
                Row(html, "Bitrate:", station.Bitrate > 0 ? station.Bitrate.ToString(CultureInfo.InvariantCulture) : string.Empty);
                Row(html, "Listeners (current):", station.Listeners.ToString(CultureInfo.InvariantCulture));
                Row(html, "Listeners (peak):", state.PeakListeners(station).ToString(CultureInfo.InvariantCulture));
                Row(html, "Genre:", station.Genre);
                Row(html, "Currently playing:", station.NowPlaying);
                html.Append("<tr><td>Listen:</td><td class=\"streamstats\"><a href=\"").Append(Encode(url)).Append("\">").Append(Encode(url)).Append("</a></td></tr>");
                html.Append("</table></div>\n");
            }

            return Results.Content(html.Append("</body></html>\n").ToString(), "text/html; charset=utf-8");
        });

    private static void Row(StringBuilder html, string label, string value)
    {
        if (value.Length > 0)
        {
            html.Append("<tr><td>").Append(label).Append("</td><td class=\"streamstats\">").Append(Encode(value)).Append("</td></tr>");
        }
    }

    private static string Encode(string value) => WebUtility.HtmlEncode(value);
}
