namespace Broadcast.Gateway.Listeners;

/// <summary>
/// CORS for browser players (research/features.md §3 #7): a preflight (<c>OPTIONS</c> with
/// <c>Access-Control-Request-Method</c>) is answered here for every path with the request headers ICY players send
/// (<c>Icy-MetaData</c>, <c>Range</c>); every other response is allowed from any origin and exposes the <c>icy-*</c>
/// headers, <c>icy-metaint</c> among them (Icecast's defaults expose neither, which is what breaks web ICY readers).
/// </summary>
internal static class CorsPolicy
{
    public const string AllowedHeaders = "Icy-MetaData, Range, If-Range, Content-Type, Last-Event-ID";

    public const string ExposedHeaders = "icy-br, icy-description, icy-genre, icy-name, icy-pub, icy-url, icy-metaint, icy-audio-info, Content-Range, Broadcast-Offset, Broadcast-Header-Bytes, Broadcast-Session";

    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var headers = context.Response.Headers;
        if (HttpMethods.IsOptions(request.Method))
        {
            headers.AccessControlAllowOrigin = "*";
            headers.AccessControlExposeHeaders = ExposedHeaders;
            // Preflight or a plain OPTIONS: what may be asked, from anywhere; no body.
            headers.AccessControlAllowMethods = "GET, HEAD, OPTIONS";
            headers.AccessControlAllowHeaders = AllowedHeaders;
            headers.AccessControlMaxAge = "86400";
            headers.Allow = "GET, HEAD, OPTIONS";
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        // Set when the response starts, and only where the edge or the directory did not: a proxied header would
        // otherwise be doubled ("*, *"), which browsers reject.
        context.Response.OnStarting(static state =>
        {
            var response = (HttpResponse)state;
            response.Headers.TryAdd("Access-Control-Allow-Origin", "*");
            response.Headers.TryAdd("Access-Control-Expose-Headers", ExposedHeaders);
            return Task.CompletedTask;
        }, context.Response);
        await next(context).ConfigureAwait(false);
    }
}
