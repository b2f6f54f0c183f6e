using System.Globalization;
using System.Security;
using System.Text;
using Broadcast.Shared.Stations;
using Microsoft.Extensions.Options;

namespace Broadcast.Gateway.Listeners;

/// <summary>
/// Playlists as Icecast serves them: <c>/{mount}.m3u</c>, <c>.pls</c> and <c>.xspf</c> for one station, and
/// <c>/listen.m3u</c> for every public one, pointing at the public URL. A playlist for a mount that is not live is 404
/// (when a directory says what is live); a name that is not a mount is 404 with the reason.
/// </summary>
internal static class PlaylistEndpoint
{
    private static readonly string[] Kinds = [".m3u", ".pls", ".xspf"];

    /// <summary>True when the request is for a playlist (its path ends with a playlist suffix); the caller then calls <see cref="HandleAsync"/>.</summary>
    public static bool IsPlaylist(PathString path) =>
        path.HasValue && Kinds.Any(kind => path.Value!.EndsWith(kind, StringComparison.Ordinal)) && path.Value!.IndexOf('/', 1) < 0;

    public static async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value!;
        var kind = Kinds.First(k => path.EndsWith(k, StringComparison.Ordinal));
        var catalog = context.RequestServices.GetRequiredService<StationCatalog>();
        var options = context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var baseUrl = PublicUrl.Base(context.Request, options);
        List<(string Mount, string Name)> entries;
        if (path == "/listen.m3u")
        {
            entries = [.. catalog.Stations.Where(s => s.Public).Select(s => (s.Mount, s.Name))];
        }
        else
        {
            if (!StationName.TryParse(path[..^kind.Length], out var station, out var error))
            {
                await PlainAsync(context.Response, StatusCodes.Status404NotFound, "not a station: " + MountErrorText.Describe(error)).ConfigureAwait(false);
                return;
            }

            var live = catalog.Stations.FirstOrDefault(s => s.Mount == station.Mount);
            if (catalog.Known && live is null)
            {
                await PlainAsync(context.Response, StatusCodes.Status404NotFound, $"station {station.Mount} is not live").ConfigureAwait(false);
                return;
            }

            entries = [(station.Mount, live?.Name ?? string.Empty)];
        }

        var (contentType, body) = kind switch
        {
            ".pls" => ("audio/x-scpls", Pls(entries, baseUrl)),
            ".xspf" => ("application/xspf+xml", Xspf(entries, baseUrl)),
            _ => ("audio/x-mpegurl", M3u(entries, baseUrl)),
        };
        var response = context.Response;
        response.ContentType = contentType;
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.ContentDisposition = "inline; filename=\"" + (path == "/listen.m3u" ? "listen.m3u" : path[1..]) + "\"";
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.WriteAsync(body, Encoding.UTF8).ConfigureAwait(false);
        }
    }

    private static string M3u(List<(string Mount, string Name)> entries, string baseUrl) =>
        string.Concat(entries.Select(e => baseUrl + e.Mount + "\r\n"));

    private static string Pls(List<(string Mount, string Name)> entries, string baseUrl)
    {
        var text = new StringBuilder("[playlist]\r\n");
        for (var i = 0; i < entries.Count; i++)
        {
            var n = (i + 1).ToString(CultureInfo.InvariantCulture);
            var title = Clean(entries[i].Name.Length > 0 ? entries[i].Name : entries[i].Mount);
            text.Append("File").Append(n).Append('=').Append(baseUrl).Append(entries[i].Mount).Append("\r\n")
                .Append("Title").Append(n).Append('=').Append(title).Append("\r\n")
                .Append("Length").Append(n).Append("=-1\r\n");
        }

        return text.Append("NumberOfEntries=").Append(entries.Count.ToString(CultureInfo.InvariantCulture)).Append("\r\nVersion=2\r\n").ToString();
    }

    private static string Xspf(List<(string Mount, string Name)> entries, string baseUrl)
    {
        var text = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<playlist version=\"1\" xmlns=\"http://xspf.org/ns/0/\">\n  <trackList>\n");
        foreach (var (mount, name) in entries)
        {
            text.Append("    <track>\n      <location>").Append(SecurityElement.Escape(baseUrl + mount)).Append("</location>\n");
            if (name.Length > 0)
            {
                text.Append("      <title>").Append(SecurityElement.Escape(Clean(name))).Append("</title>\n");
            }

            text.Append("    </track>\n");
        }

        return text.Append("  </trackList>\n</playlist>\n").ToString();
    }

    /// <summary>No line breaks or control characters from a station's name into a line-based playlist.</summary>
    private static string Clean(string text) => new([.. text.Where(c => !char.IsControl(c))]);

    private static Task PlainAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(message + "\n");
    }
}
