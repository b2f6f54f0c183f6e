using Broadcast.Directory.Control;
using Broadcast.Directory.Watching;

namespace Broadcast.Directory.Api;

/// <summary>
/// Icecast's admin commands as a JSON API, behind the same bearer token as <see cref="AdminApi"/> (issue #13):
/// <list type="bullet">
/// <item><c>GET /api/admin/listeners?mount=</c> (listclients), <c>DELETE /api/admin/listeners/{id}?mount=</c> (killclient),</item>
/// <item><c>POST /api/admin/listeners/move?mount=&amp;destination=</c> (moveclients), <c>DELETE /api/admin/sources?mount=</c> (killsource),</item>
/// <item><c>GET /api/admin/fallbacks</c>, <c>PUT /api/admin/fallbacks?mount=&amp;fallback=</c>, <c>DELETE /api/admin/fallbacks?mount=</c>,</item>
/// <item><c>POST /api/admin/metadata?mount=&amp;song=[&amp;url=]</c>.</item>
/// </list>
/// Errors are <c>{"error": "…"}</c> with 400 (bad or missing parameters, a mount not live, a fallback loop) or 404 (no such listener).
/// </summary>
internal static class OperatorApi
{
    public static void MapOperatorApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").AddEndpointFilter(AdminApi.RequireTokenAsync).AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<DirectoryState>().Available ? await next(context).ConfigureAwait(false) : PublicApi.Unavailable());

        admin.MapGet("/listeners", async (string? mount, AdminOperations operations, CancellationToken cancellationToken) =>
            Reply(await operations.ListClientsAsync(mount, cancellationToken).ConfigureAwait(false)));
        admin.MapDelete("/listeners/{id}", async (string id, string? mount, AdminOperations operations, CancellationToken cancellationToken) =>
            Reply(await operations.KillClientAsync(mount, id, cancellationToken).ConfigureAwait(false)));
        admin.MapPost("/listeners/move", async (string? mount, string? destination, AdminOperations operations, CancellationToken cancellationToken) =>
            Reply(await operations.MoveClientsAsync(mount, destination, cancellationToken).ConfigureAwait(false)));
        admin.MapDelete("/sources", async (string? mount, AdminOperations operations, CancellationToken cancellationToken) =>
            Reply(await operations.KillSourceAsync(mount, cancellationToken).ConfigureAwait(false)));
        admin.MapGet("/fallbacks", async (AdminOperations operations) =>
            Results.Json(await operations.FallbacksAsync().ConfigureAwait(false), ApiJsonContext.Default.DictionaryStringString));
        admin.MapPut("/fallbacks", async (string? mount, string? fallback, AdminOperations operations) =>
            Reply(await operations.SetFallbackAsync(mount, fallback ?? string.Empty).ConfigureAwait(false)));
        admin.MapDelete("/fallbacks", async (string? mount, AdminOperations operations) =>
            Reply(await operations.SetFallbackAsync(mount, string.Empty).ConfigureAwait(false)));
        admin.MapPost("/metadata", async (string? mount, string? song, string? url, AdminOperations operations, CancellationToken cancellationToken) =>
            Reply(await operations.MetadataAsync(mount, "updinfo", song, url, cancellationToken).ConfigureAwait(false)));
    }

    private static IResult Reply(AdminOutcome outcome) => outcome.Ok
        ? Results.Json(new OperatorReply(outcome.Message, outcome.Station?.Mount, outcome.Listeners), ApiJsonContext.Default.OperatorReply, statusCode: outcome.Status)
        : ApiError.Result(outcome.Status, outcome.Message);
}
