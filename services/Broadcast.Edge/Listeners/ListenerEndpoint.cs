using Microsoft.AspNetCore.Connections.Features;

namespace Broadcast.Edge.Listeners;

/// <summary><c>GET</c>/<c>HEAD /{mount}</c> reaching Kestrel's pipeline (see <see cref="ListenerStreams"/>), and the stream rules that need no socket.</summary>
internal static partial class ListenerEndpoint
{
    public static async Task HandleAsync(HttpContext context, string mount, ListenerStreams streams, ServiceDefaults.Clients.TrustedProxies trusted)
    {
        var request = ListenerRequest.Of(context, mount, trusted);
        if (context.Features.Get<IConnectionSocketFeature>()?.Socket is not { } socket)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return; // only a socket transport serves streams
        }

        var line = new HttpLine(context, socket);
        await streams.ServeAsync(request, line).ConfigureAwait(false);
        if (!context.Response.HasStarted)
        {
            context.Response.Headers.Connection = "close";
        }

        if (context.Response.StatusCode == StatusCodes.Status200OK && !context.Response.HasStarted)
        {
            context.Abort(); // the head (and the stream) went on the socket: Kestrel must write nothing more
        }
    }
}
