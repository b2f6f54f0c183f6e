using System.Diagnostics;
using System.Net;
using Broadcast.ServiceDefaults.Listeners;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// One listener as <see cref="ListenerProxy"/> relays it: what it asked for, and where the edge's answer goes. Made
/// once per listener, by the lean path (<see cref="Listeners.LeanListenerMiddleware"/>: a raw connection, no Kestrel HTTP
/// objects) or from Kestrel's request (<see cref="HttpExchange"/>: a second request on a kept-alive connection, the
/// now-playing events, anything the lean path leaves to Kestrel, and every stream with
/// <see cref="GatewayOptions.LeanListeners"/> off).
/// </summary>
internal abstract class ListenerExchange
{
    /// <summary>The listener request headers an edge is told (beside the client, scheme and host).</summary>
    public static readonly string[] ForwardedNames = ["User-Agent", "Icy-MetaData", "Accept", "Referer"];

    private long _sendingSince;

    /// <summary>The path, decoded: the station key, limits and telemetry.</summary>
    public abstract string Path { get; }

    /// <summary>The path as sent on to the edge (escaped).</summary>
    public abstract string PathForEdge { get; }

    /// <summary>The query string with its <c>?</c>, or empty.</summary>
    public abstract string Query { get; }

    /// <summary>A <c>HEAD</c>: the edge's headers, no stream.</summary>
    public abstract bool Head { get; }

    /// <summary>The client as far as the trusted proxies vouch for it.</summary>
    public abstract IPAddress? Client { get; }

    /// <summary>Fires when the listener's connection is gone.</summary>
    public abstract CancellationToken Aborted { get; }

    /// <summary>The listener's span: a server span under the caller's <c>traceparent</c> on the lean path, else under Kestrel's request span.</summary>
    public virtual ActivityKind SpanKind => ActivityKind.Internal;

    public virtual ActivityContext SpanParent => default;

    /// <summary>
    /// <see cref="TimeProvider.GetTimestamp"/> when the pending send to the listener began; 0 while none waits
    /// (<see cref="StallWatchdog"/> closes lean listeners that accept nothing; Kestrel's data rate does it on the other path).
    /// </summary>
    public long SendingSince
    {
        get => Volatile.Read(ref _sendingSince);
        protected set => Volatile.Write(ref _sendingSince, value);
    }

    /// <summary>What the edge is told of the listener: the headers that matter to it, the client, scheme and host.</summary>
    public abstract IEnumerable<(string Name, string? Value)> ForwardedHeaders();

    /// <summary>A plain-text answer of the gateway's own (no edge, a full station, an edge that failed).</summary>
    public abstract Task PlainAsync(int status, string message, string? retryAfter = null);

    /// <summary>The redirect of a full station (Icecast's <c>fallback-when-full</c>).</summary>
    public abstract Task RedirectAsync(string location);

    /// <summary>The edge's status and headers, for the listener; a successful stream's socket gets the listener send limits.</summary>
    public abstract ValueTask AnswerAsync(HttpResponseMessage reply);

    /// <summary>Memory for the next bytes to the listener, at least <paramref name="sizeHint"/> long.</summary>
    public abstract Memory<byte> GetBuffer(int sizeHint = 0);

    /// <summary>Sends the first <paramref name="count"/> bytes of the last <see cref="GetBuffer"/>; false when the listener is gone.</summary>
    public abstract ValueTask<bool> SendAsync(int count);

    /// <summary>Gives back a buffer taken by <see cref="GetBuffer"/> and not sent (the edge failed mid-read).</summary>
    public virtual void Release()
    {
    }

    /// <summary>Closes the listener's connection (it accepted nothing for too long).</summary>
    public abstract void Abort();
}

/// <summary>A listener whose request Kestrel parsed: the answer goes through Kestrel's response and its pipe.</summary>
internal sealed class HttpExchange(HttpContext context, ServiceDefaults.Clients.TrustedProxies trusted, StalledListenerOptions stalled) : ListenerExchange
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    public HttpContext Context { get; } = context;

    public override string Path => Context.Request.Path.Value ?? "/";

    public override string PathForEdge => Context.Request.Path.ToUriComponent();

    public override string Query => Context.Request.QueryString.Value ?? string.Empty;

    public override bool Head => HttpMethods.IsHead(Context.Request.Method);

    public override IPAddress? Client => trusted.ClientOf(Context);

    public override CancellationToken Aborted => Context.RequestAborted;

    public override IEnumerable<(string Name, string? Value)> ForwardedHeaders()
    {
        var request = Context.Request;
        foreach (var name in ForwardedNames)
        {
            foreach (var value in request.Headers[name])
            {
                yield return (name, value);
            }
        }

        yield return ("X-Forwarded-For", Client?.ToString());
        yield return ("X-Forwarded-Proto", request.Scheme);
        yield return ("X-Forwarded-Host", request.Host.Value);
    }

    public override Task PlainAsync(int status, string message, string? retryAfter = null)
    {
        var response = Context.Response;
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        if (retryAfter is not null)
        {
            response.Headers.RetryAfter = retryAfter;
        }

        return response.WriteAsync(message + "\n");
    }

    public override Task RedirectAsync(string location)
    {
        Context.Response.Redirect(location);
        return Task.CompletedTask;
    }

    public override ValueTask AnswerAsync(HttpResponseMessage reply)
    {
        var response = Context.Response;
        response.StatusCode = (int)reply.StatusCode;
        Copy(reply.Headers, response.Headers);
        Copy(reply.Content.Headers, response.Headers);
        if (reply.IsSuccessStatusCode && IcyClients.WantsUnchunked(Context.Request))
        {
            response.Headers.TransferEncoding = "identity"; // see IcyClients: the body as Icecast sends it
        }

        if (reply.IsSuccessStatusCode && !Head)
        {
            StalledListeners.Apply(Context, stalled);
        }

        return ValueTask.CompletedTask;
    }

    public override Memory<byte> GetBuffer(int sizeHint = 0) => Context.Response.BodyWriter.GetMemory(sizeHint);

    public override async ValueTask<bool> SendAsync(int count)
    {
        var writer = Context.Response.BodyWriter;
        writer.Advance(count);
        var flush = await writer.FlushAsync(Context.RequestAborted).ConfigureAwait(false);
        return !flush.IsCompleted && !flush.IsCanceled;
    }

    public override void Abort() => Context.Abort();

    /// <summary>The edge's headers but the hop-by-hop ones (Kestrel frames the listener's response itself).</summary>
    private static void Copy(System.Net.Http.Headers.HttpHeaders from, IHeaderDictionary to)
    {
        foreach (var (name, values) in from)
        {
            if (!IsHopByHop(name))
            {
                to[name] = values.ToArray();
            }
        }
    }

    /// <summary>A header of the edge's that is about its own connection, not for the listener's.</summary>
    internal static bool IsHopByHop(string name) => HopByHop.Contains(name);
}
