using Broadcast.Shared.Stations;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// Icecast's <c>GET /admin/metadata?mount=/m&amp;mode=updinfo&amp;song=…</c> (or <c>artist=</c> and <c>title=</c>),
/// as butt, liquidsoap and ezstream send it with the mount's source credentials: sets the live station's title,
/// which the directory publishes as now playing. Replies in Icecast's XML.
/// </summary>
internal static class MetadataEndpoint
{
    /// <summary>Longest title kept; Icecast's metadata block holds at most 4080 bytes including its framing.</summary>
    private const int MaxTitleLength = 1024;

    public static async Task HandleAsync(HttpContext context, SourceRegistry registry, SourceAuthenticator authenticator)
    {
        var query = context.Request.Query;
        var response = context.Response;
        if (!string.Equals(query["mode"], "updinfo", StringComparison.Ordinal))
        {
            await ReplyAsync(response, StatusCodes.Status400BadRequest, "mode=updinfo is the only supported mode").ConfigureAwait(false);
            return;
        }

        if (!StationName.TryParse(query["mount"].ToString(), out var station, out var error))
        {
            await ReplyAsync(response, StatusCodes.Status400BadRequest, "mount: " + MountErrorText.Describe(error)).ConfigureAwait(false);
            return;
        }

        if (!await authenticator.IsAuthorizedAsync(station, context.Request.Headers.Authorization, context.RequestAborted).ConfigureAwait(false))
        {
            response.Headers.WWWAuthenticate = "Basic realm=\"Icecast2 Server\"";
            await ReplyAsync(response, StatusCodes.Status401Unauthorized, "You need to authenticate").ConfigureAwait(false);
            return;
        }

        if (!registry.TryGet(station.SubjectToken, out var session))
        {
            await ReplyAsync(response, StatusCodes.Status400BadRequest, "Source does not exist").ConfigureAwait(false);
            return;
        }

        var song = query["song"].ToString();
        if (song.Length == 0)
        {
            var (artist, title) = (query["artist"].ToString(), query["title"].ToString());
            song = artist.Length > 0 && title.Length > 0 ? $"{artist} - {title}" : artist + title;
        }

        if (song.Length > MaxTitleLength || song.Any(char.IsControl))
        {
            await ReplyAsync(response, StatusCodes.Status400BadRequest, $"song: at most {MaxTitleLength} characters, no control characters").ConfigureAwait(false);
            return;
        }

        session.NowPlaying = song;
        await ReplyAsync(response, StatusCodes.Status200OK, "Metadata update successful").ConfigureAwait(false);
    }

    private static Task ReplyAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "text/xml";
        var escaped = System.Security.SecurityElement.Escape(message);
        return response.WriteAsync($"<?xml version=\"1.0\"?>\n<iceresponse><message>{escaped}</message><return>{(status == StatusCodes.Status200OK ? 1 : 0)}</return></iceresponse>\n");
    }
}
