namespace Broadcast.Gateway.Listeners;

/// <summary>
/// The URL listeners use: <see cref="GatewayOptions.PublicUrl"/> when set, else the one this request came in on, as a
/// proxy in front reports it (<c>X-Forwarded-Proto</c>, <c>X-Forwarded-Host</c>), so playlists point where players can
/// reach, not at the gateway's loopback address.
/// </summary>
internal static class PublicUrl
{
    public static string Base(HttpRequest request, GatewayOptions options)
    {
        if (options.PublicUrl.Length > 0)
        {
            return options.PublicUrl.TrimEnd('/');
        }

        var proto = First(request.Headers["X-Forwarded-Proto"]) ?? request.Scheme;
        var host = First(request.Headers["X-Forwarded-Host"]) ?? request.Host.Value ?? "localhost";

        // A hostile Host could carry markup or line breaks into a playlist; only a plain host[:port] is used.
        if (host.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']')))
        {
            host = request.Host.HasValue && request.Host.Value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']') ? request.Host.Value : "localhost";
        }

        return (proto is "https" ? "https" : "http") + "://" + host;
    }

    private static string? First(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count > 0 && !string.IsNullOrWhiteSpace(values[0]) ? values[0]!.Split(',')[0].Trim() : null;
}
