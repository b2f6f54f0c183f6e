using System.Globalization;
using System.Security;
using System.Text;
using Broadcast.Directory.Watching;
using Microsoft.Extensions.Options;

namespace Broadcast.Directory.Api;

/// <summary>
/// The read side of Icecast's admin interface, cluster-wide from the directory's view (issue #13, first part):
/// <c>/admin/listmounts</c> (Icecast's XML) and <c>/admin/streamlist.txt</c> (a mount per line, what relays poll), with
/// admin credentials as Icecast tools send them (Basic <c>admin:&lt;Directory:AdminToken&gt;</c>) or the bearer token.
/// Without them: 401 and nothing else.
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
                return Results.Text(Reply("You need to authenticate", ok: false), "text/xml", Encoding.UTF8, StatusCodes.Status401Unauthorized);
            }

            var state = http.RequestServices.GetRequiredService<DirectoryState>();
            return state.Available ? await next(context).ConfigureAwait(false) : PublicApi.Unavailable();
        });

        admin.MapGet("/listmounts", (DirectoryState state, TimeProvider time) =>
        {
            var now = time.GetUtcNow();
            var xml = new StringBuilder("<?xml version=\"1.0\"?>\n<icestats>");
            foreach (var station in state.Current.Stations.OrderBy(s => s.Mount, StringComparer.Ordinal))
            {
                var connected = station.Started is { } started ? (long)(now - started.ToDateTimeOffset()).TotalSeconds : 0;
                xml.Append("<source mount=\"").Append(SecurityElement.Escape(station.Mount)).Append("\">")
                    .Append("<listeners>").Append(station.Listeners.ToString(CultureInfo.InvariantCulture)).Append("</listeners>")
                    .Append("<Connected>").Append(Math.Max(0, connected).ToString(CultureInfo.InvariantCulture)).Append("</Connected>")
                    .Append("<content-type>").Append(SecurityElement.Escape(station.ContentType)).Append("</content-type>")
                    .Append("</source>");
            }

            return Results.Text(xml.Append("</icestats>\n").ToString(), "text/xml", Encoding.UTF8);
        });

        admin.MapGet("/streamlist.txt", (DirectoryState state) =>
            Results.Text(string.Concat(state.Current.Stations.OrderBy(s => s.Mount, StringComparer.Ordinal).Select(s => s.Mount + "\n")), "text/plain", Encoding.UTF8));
    }

    private static string Reply(string message, bool ok) =>
        $"<?xml version=\"1.0\"?>\n<iceresponse><message>{SecurityElement.Escape(message)}</message><return>{(ok ? 1 : 0)}</return></iceresponse>\n";
}
