namespace Broadcast.Gateway.Listeners;

/// <summary>
/// Refuses, before routing, request shapes that only smuggling uses on this public URL: <c>Content-Length</c> together
/// with <c>Transfer-Encoding</c> (RFC 9112 §6.1: a recipient may refuse it and must close the connection), and a
/// <c>GET</c> or <c>HEAD</c> with a body (a listener, a playlist, a status page never sends one). Answered with 400 and
/// <c>Connection: close</c>, so the bytes that follow on that connection are never read as another request. Kestrel
/// itself refuses CR or NUL inside header values, folded headers and white space before the colon.
/// </summary>
internal static class RequestShape
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var chunked = request.Headers.ContainsKey("Transfer-Encoding");
        var reason = chunked && request.Headers.ContainsKey("Content-Length")
            ? "Content-Length together with Transfer-Encoding"
            : (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && (chunked || request.ContentLength > 0)
                ? $"a {request.Method} request has no body"
                : null;
        if (reason is null)
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.Headers.Connection = "close";
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("refused: " + reason + "\n");
    }
}
