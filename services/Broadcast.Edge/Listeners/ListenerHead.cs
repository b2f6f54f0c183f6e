using System.Diagnostics;
using System.Net;
using Broadcast.ServiceDefaults.Clients;
using Broadcast.ServiceDefaults.Listeners;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// The edge's reading of a listener's head on the lean path (<see cref="ListenerConnectionMiddleware"/>): the
/// shape is <see cref="StreamRequestHead"/>'s (anything odd goes to Kestrel unread); here the path must not be one
/// of the edge's own pages, and the resume parameters must be plain.
/// </summary>
internal static class ListenerHead
{
    /// <summary>Paths of one segment that are not stations.</summary>
    private static readonly string[] Reserved = ["/stats", "/metrics", "/favicon.ico", "/robots.txt"];

    /// <summary>The headers the edge takes, in <see cref="StreamRequestHead.Values"/>' order.</summary>
    private static readonly string[] Names = ["User-Agent", "Icy-MetaData", "X-Forwarded-For", "Forwarded", "traceparent", "tracestate"];

    /// <summary>The request in a whole head; null when Kestrel should have it (see the class remarks).</summary>
    public static ListenerRequest? Parse(ReadOnlySpan<byte> head, IPAddress? peer, TrustedProxies trusted)
    {
        if (StreamRequestHead.TryParse(head, Names) is not { } raw || Array.IndexOf(Reserved, raw.Path) >= 0)
        {
            return null;
        }

        string? from = null, session = null, icyPhase = null;
        if (raw.Query is not null && !TryQuery(raw.Query, ref from, ref session, ref icyPhase))
        {
            return null;
        }

        var values = raw.Values;
        var headers = new HeaderDictionary();
        if (values[2] is { } forwardedFor)
        {
            headers["X-Forwarded-For"] = forwardedFor;
        }

        if (values[3] is { } forwarded)
        {
            headers["Forwarded"] = forwarded;
        }

        ActivityContext.TryParse(values[4], values[5], out var parent);
        return new ListenerRequest
        {
            Mount = raw.Path,
            Head = raw.Head,
            Http10 = raw.Http10,
            From = from,
            Session = session,
            IcyPhase = icyPhase,
            WantsIcyMetadata = values[1] == "1",
            UserAgent = values[0] ?? string.Empty,
            Client = trusted.ClientOf(peer, headers),
            Parent = parent,
        };
    }

    /// <summary>The resume parameters; false (Kestrel's then) for escapes or a parameter given twice.</summary>
    private static bool TryQuery(string query, ref string? from, ref string? session, ref string? icyPhase)
    {
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (pair.AsSpan().IndexOfAny('%', '+') >= 0)
            {
                return false;
            }

            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = equals < 0 ? (pair, string.Empty) : (pair[..equals], pair[(equals + 1)..]);
            var known = name switch
            {
                "from" => Set(ref from, value),
                "session" => Set(ref session, value),
                "icyphase" => Set(ref icyPhase, value),
                _ => true,
            };
            if (!known)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Set(ref string? slot, string value)
    {
        if (slot is not null)
        {
            return false;
        }

        slot = value;
        return true;
    }
}
