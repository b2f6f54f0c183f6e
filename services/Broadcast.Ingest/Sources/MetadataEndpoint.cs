using System.Text;
using Broadcast.Shared.Stations;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// Title updates in every way encoders send them (research/features.md §2.1–2.2): Icecast's
/// <c>/admin/metadata?mode=updinfo&amp;mount=/m&amp;song=…</c> (or <c>artist=</c> and <c>title=</c>, with <c>url=</c> and
/// <c>charset=</c>) as a GET query or a POST form (libshout posts when <c>Allow</c> lists POST), and SHOUTcast's
/// <c>/admin.cgi?mode=updinfo&amp;pass=…&amp;song=…[&amp;sid=N]</c>. Source credentials count only from the source's own
/// address, as in Icecast (anyone else could retitle a station); admin credentials from anywhere. Replies in Icecast's XML.
/// </summary>
internal static class MetadataEndpoint
{
    /// <summary>Longest title accepted, in characters; the wire limit (<see cref="TitleChange.MaxTitleBytes"/>) then cuts bytes.</summary>
    private const int MaxTitleLength = 1024;

    /// <summary>Longest form body read; a title update is a few hundred bytes.</summary>
    private const int MaxFormBytes = 16 * 1024;

    public static async Task HandleAsync(HttpContext context, SourceRegistry registry, SourceAuthenticator authenticator, ServiceDefaults.Clients.TrustedProxies trusted, IOptions<IngestOptions> options)
    {
        var form = await ReadFormAsync(context).ConfigureAwait(false);
        if (form.Form is null)
        {
            await ReplyAsync(context.Response, form.Status, form.Error!).ConfigureAwait(false);
            return;
        }

        var shoutcast = context.Request.Path.StartsWithSegments("/admin.cgi", StringComparison.Ordinal);
        var mount = shoutcast ? ShoutcastMount(form.Form, options.Value) : form.Form["mount"];
        await UpdateAsync(context, form.Form, mount, shoutcast, registry, authenticator, trusted).ConfigureAwait(false);
    }

    private static async Task UpdateAsync(HttpContext context, TitleForm form, string mount, bool shoutcast, SourceRegistry registry, SourceAuthenticator authenticator, ServiceDefaults.Clients.TrustedProxies trusted)
    {
        var response = context.Response;
        if (!string.Equals(form["mode"], "updinfo", StringComparison.Ordinal))
        {
            await ReplyAsync(response, StatusCodes.Status400BadRequest, "mode=updinfo is the only supported mode").ConfigureAwait(false);
            return;
        }

        if (!StationName.TryParse(mount, out var station, out var error))
        {
            await ReplyAsync(response, StatusCodes.Status400BadRequest, "mount: " + MountErrorText.Describe(error)).ConfigureAwait(false);
            return;
        }

        registry.TryGet(station.SubjectToken, out var session);
        var admin = shoutcast ? authenticator.IsAdminPassword(authenticator.AdminUser, form["pass"]) : authenticator.IsAdmin(context.Request.Headers.Authorization);
        var source = !admin && (shoutcast
            ? await authenticator.IsAuthorizedAsync(station, authenticator.SourceUser, form["pass"], context.RequestAborted).ConfigureAwait(false)
            : await authenticator.IsAuthorizedAsync(station, context.Request.Headers.Authorization, context.RequestAborted).ConfigureAwait(false));
        if (!admin && !source)
        {
            response.Headers.WWWAuthenticate = "Basic realm=\"Icecast2 Server\"";
            await ReplyAsync(response, StatusCodes.Status401Unauthorized, "You need to authenticate").ConfigureAwait(false);
            return;
        }

        if (session is null)
        {
            await ReplyAsync(response, StatusCodes.Status400BadRequest, "Source does not exist").ConfigureAwait(false);
            return;
        }

        if (source && session.RemoteAddress is { } sourceAddress && trusted.ClientOf(context)?.ToString() != sourceAddress)
        {
            // Icecast's rule (admin.c, same_ip): with source credentials, only the source's own address may retitle it.
            await ReplyAsync(response, StatusCodes.Status403Forbidden, "source credentials are accepted only from the source's own address; use admin credentials").ConfigureAwait(false);
            return;
        }

        var (title, url) = (Song(form), form["url"]);
        if (title.Length > MaxTitleLength || title.Any(char.IsControl) || url.Length > MaxTitleLength || url.Any(char.IsControl))
        {
            await ReplyAsync(response, StatusCodes.Status400BadRequest, $"song and url: at most {MaxTitleLength} characters, no control characters").ConfigureAwait(false);
            return;
        }

        session.SetTitle(title, url);
        await ReplyAsync(response, StatusCodes.Status200OK, "Metadata update successful").ConfigureAwait(false);
    }

    /// <summary>The query string, or for a POST form the body (bounded), as raw bytes.</summary>
    private static async Task<(TitleForm? Form, int Status, string? Error)> ReadFormAsync(HttpContext context)
    {
        var request = context.Request;
        var raw = Encoding.Latin1.GetBytes(request.QueryString.Value ?? string.Empty);
        if (HttpMethods.IsPost(request.Method))
        {
            if (request.ContentLength is > MaxFormBytes)
            {
                return (null, StatusCodes.Status413PayloadTooLarge, $"form body larger than {MaxFormBytes} bytes");
            }

            using var body = new MemoryStream();
            var buffer = new byte[4096];
            int read;
            while ((read = await request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (body.Length + read > MaxFormBytes)
                {
                    return (null, StatusCodes.Status413PayloadTooLarge, $"form body larger than {MaxFormBytes} bytes");
                }

                body.Write(buffer, 0, read);
            }

            // Query parameters (e.g. mount) and body parameters together; the body's win.
            raw = [.. raw, (byte)'&', .. body.ToArray()];
        }

        var form = TitleForm.Parse(raw, out var error);
        return form is null ? (null, StatusCodes.Status400BadRequest, error) : (form, StatusCodes.Status200OK, null);
    }

    /// <summary><c>song</c>, else <c>artist - title</c> (either alone when only one is given).</summary>
    private static string Song(TitleForm form)
    {
        var song = form["song"];
        if (song.Length > 0 || form.Has("song"))
        {
            return song.Trim();
        }

        var (artist, title) = (form["artist"].Trim(), form["title"].Trim());
        return artist.Length > 0 && title.Length > 0 ? $"{artist} - {title}" : artist + title;
    }

    /// <summary>SHOUTcast's stream id (<c>sid</c>, default 1) to its mount.</summary>
    private static string ShoutcastMount(TitleForm form, IngestOptions options)
    {
        var sid = form["sid"];
        return sid.Length == 0 || sid == "1" ? options.ShoutcastMount : options.ShoutcastStreams.GetValueOrDefault(sid, string.Empty);
    }

    private static Task ReplyAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "text/xml";
        var escaped = System.Security.SecurityElement.Escape(message);
        return response.WriteAsync($"<?xml version=\"1.0\"?>\n<iceresponse><message>{escaped}</message><return>{(status == StatusCodes.Status200OK ? 1 : 0)}</return></iceresponse>\n");
    }
}
