namespace Broadcast.Gateway.Pages;

/// <summary>
/// <c>GET /</c>: the listeners' page, plain HTML, CSS and a little script embedded in the gateway (no build step, no
/// CDN). It lists the live public stations from <c>/api/stations</c>, follows each one's now-playing over
/// <c>/api/stations/{mount}/events</c>, and plays one with the browser's own audio element.
/// </summary>
internal static class ListenerPage
{
    private static readonly Lazy<byte[]> Html = new(() =>
    {
        using var stream = typeof(ListenerPage).Assembly.GetManifestResourceStream("Broadcast.Gateway.Pages.index.html")
            ?? throw new InvalidOperationException("the listener page is not embedded in the gateway");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; media-src *; connect-src 'self'";
        response.ContentLength = Html.Value.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(Html.Value, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
