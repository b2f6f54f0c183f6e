using System.Security.Cryptography;
using System.Text;
using Broadcast.Directory.Store;
using Microsoft.Extensions.Options;

namespace Broadcast.Directory.Api;

/// <summary>
/// <c>/api/admin/stations</c>: provisioned stations and their source passwords, behind a bearer token
/// (<see cref="DirectoryOptions.AdminToken"/>; no token configured, no admin API). Passwords are stored only as
/// <see cref="PasswordHash"/> and never returned.
/// </summary>
internal static class AdminApi
{
    private const int MaxPasswordLength = 256;
    private const int MaxFieldLength = 512;

    public static void MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").AddEndpointFilter(RequireTokenAsync);

        admin.MapGet("/stations", async (DirectoryStore store) =>
        {
            var stations = await store.ListProvisionedAsync().ConfigureAwait(false);
            return Results.Json(stations.Select(View).ToArray(), ApiJsonContext.Default.ProvisionedViewArray);
        });

        admin.MapGet("/stations/{**mount}", async (string mount, DirectoryStore store) =>
        {
            if (!ApiError.TryMount(mount, out var name, out var problem))
            {
                return problem;
            }

            var station = await store.GetProvisionedAsync(name.Mount).ConfigureAwait(false);
            return station is null ? Error(StatusCodes.Status404NotFound, $"{name.Mount} is not provisioned") : Results.Json(View(station), ApiJsonContext.Default.ProvisionedView);
        });

        admin.MapPut("/stations/{**mount}", async (string mount, HttpRequest request, DirectoryStore store, TimeProvider time) =>
        {
            if (!ApiError.TryMount(mount, out var name, out var problem))
            {
                return problem;
            }

            ProvisionRequest? body;
            try
            {
                body = await request.ReadFromJsonAsync(ApiJsonContext.Default.ProvisionRequest, request.HttpContext.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is System.Text.Json.JsonException or InvalidOperationException or BadHttpRequestException)
            {
                return Error(StatusCodes.Status400BadRequest, "body must be JSON: {\"password\":\"…\",\"name\":\"…\",…}");
            }

            if (body is null)
            {
                return Error(StatusCodes.Status400BadRequest, "body is required");
            }

            if (Invalid(body) is { } invalid)
            {
                return Error(StatusCodes.Status400BadRequest, invalid);
            }

            var existing = await store.GetProvisionedAsync(name.Mount).ConfigureAwait(false);
            if (existing is null && string.IsNullOrEmpty(body.Password))
            {
                return Error(StatusCodes.Status400BadRequest, "password is required for a new station");
            }

            var station = new ProvisionedStation(
                name.Mount,
                string.IsNullOrEmpty(body.Password) ? existing!.PasswordHash : PasswordHash.Create(body.Password),
                body.Name ?? existing?.Name,
                body.Description ?? existing?.Description,
                body.Genre ?? existing?.Genre,
                body.Url ?? existing?.Url,
                body.Public ?? existing?.Public ?? false,
                time.GetUtcNow());
            var created = await store.PutProvisionedAsync(station).ConfigureAwait(false);
            return created
                ? Results.Json(View(station), ApiJsonContext.Default.ProvisionedView, statusCode: StatusCodes.Status201Created)
                : Results.Json(View(station), ApiJsonContext.Default.ProvisionedView);
        });

        admin.MapDelete("/stations/{**mount}", async (string mount, DirectoryStore store) =>
        {
            if (!ApiError.TryMount(mount, out var name, out var problem))
            {
                return problem;
            }

            return await store.DeleteProvisionedAsync(name.Mount).ConfigureAwait(false)
                ? Results.NoContent()
                : Error(StatusCodes.Status404NotFound, $"{name.Mount} is not provisioned");
        });
    }

    /// <summary>The admin API's gate: 403 when no token is configured, 401 without it; nothing runs either way.</summary>
    internal static async ValueTask<object?> RequireTokenAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<DirectoryOptions>>().Value;
        if (options.AdminToken.Length == 0)
        {
            return Error(StatusCodes.Status403Forbidden, "admin API disabled: set Directory:AdminToken");
        }

        if (!Authorized(context.HttpContext.Request.Headers.Authorization, options.AdminToken))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"broadcast-directory\"";
            return Error(StatusCodes.Status401Unauthorized, "a valid bearer token is required");
        }

        return await next(context).ConfigureAwait(false);
    }

    private static string? Invalid(ProvisionRequest body)
    {
        if (body.Password is { Length: > MaxPasswordLength })
        {
            return $"password longer than {MaxPasswordLength} characters";
        }

        string?[] fields = [body.Name, body.Description, body.Genre, body.Url];
        return fields.Any(f => f is { Length: > MaxFieldLength }) ? $"name, description, genre and url are limited to {MaxFieldLength} characters" : null;
    }

    /// <summary>The bearer token, or (as Icecast's tools send it) HTTP Basic <c>admin:&lt;token&gt;</c>.</summary>
    internal static bool Authorized(string? header, string token)
    {
        const string Bearer = "Bearer ", Basic = "Basic ";
        string? presented = null;
        if (header is not null && header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            presented = header[Bearer.Length..].Trim();
        }
        else if (header is not null && header.StartsWith(Basic, StringComparison.OrdinalIgnoreCase))
        {
            Span<byte> decoded = stackalloc byte[512];
            if (Convert.TryFromBase64String(header[Basic.Length..].Trim(), decoded, out var length))
            {
                var text = Encoding.UTF8.GetString(decoded[..length]);
                presented = text.StartsWith("admin:", StringComparison.Ordinal) ? text["admin:".Length..] : null;
            }
        }

        return presented is not null && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    private static ProvisionedView View(ProvisionedStation s) => new(s.Mount, s.Name, s.Description, s.Genre, s.Url, s.Public, s.Updated);

    private static IResult Error(int status, string message) => ApiError.Result(status, message);
}
