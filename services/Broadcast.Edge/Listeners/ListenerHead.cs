using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text;
using Broadcast.ServiceDefaults.Clients;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// Reads a listener's request head on the lean path (<see cref="ListenerConnectionMiddleware"/>): a plain
/// <c>GET</c> or <c>HEAD</c> of one path segment with well-formed headers and no body. Anything else, or anything it
/// is unsure of, is left to Kestrel with every byte unread, so Kestrel's parser stays the judge of odd requests (400,
/// 431, smuggling shapes) and serves health, stats, metrics and the events API.
/// </summary>
internal static class ListenerHead
{
    /// <summary>The longest head read here; a longer one goes to Kestrel (its limit is 32 KiB).</summary>
    public const int MaxBytes = 8 * 1024;

    public enum Verdict
    {
        /// <summary>It could still be a listener's head; wait for more bytes.</summary>
        Incomplete,

        /// <summary>A whole head that may be a listener's; <see cref="Parse"/> decides.</summary>
        Whole,

        /// <summary>Not for this path: Kestrel serves the connection.</summary>
        Other,
    }

    /// <summary>Paths of one segment that are not stations.</summary>
    private static readonly string[] Reserved = ["/stats", "/metrics", "/favicon.ico", "/robots.txt"];

    /// <summary>Looks at buffered bytes without consuming them; <paramref name="length"/> is the head's, CRLF CRLF included.</summary>
    public static Verdict Classify(in ReadOnlySequence<byte> buffer, out int length)
    {
        length = 0;
        Span<byte> start = stackalloc byte[6];
        var seen = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, seen).CopyTo(start);
        start = start[..seen];
        if (!"GET /"u8.StartsWith(start[..Math.Min(seen, 5)]) && !"HEAD /"u8.StartsWith(start))
        {
            return Verdict.Other;
        }

        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryAdvanceTo((byte)'\n'))
        {
            if (reader.Consumed > MaxBytes)
            {
                return Verdict.Other;
            }

            if (reader.IsNext((byte)'\n'))
            {
                return Verdict.Other; // a bare LF ends the head: Kestrel's rules for it
            }

            if (reader.IsNext("\r\n"u8))
            {
                length = (int)reader.Consumed + 2;
                return length <= MaxBytes ? Verdict.Whole : Verdict.Other;
            }
        }

        return buffer.Length > MaxBytes ? Verdict.Other : Verdict.Incomplete;
    }

    /// <summary>The request in a whole head; null when Kestrel should have it (see the class remarks).</summary>
    public static ListenerRequest? Parse(ReadOnlySpan<byte> head, IPAddress? peer, TrustedProxies trusted)
    {
        if (HasOtherControl(head))
        {
            return null; // controls other than the line ends, or bytes past ASCII: Kestrel's rules
        }

        var text = Encoding.ASCII.GetString(head[..^4]);
        var lines = text.Split("\r\n");
        if (Array.Exists(lines, line => line.AsSpan().IndexOfAny('\r', '\n') >= 0))
        {
            return null; // a CR or LF alone inside a line
        }

        var parts = lines[0].Split(' ');
        if (parts.Length != 3 || parts[2] is not ("HTTP/1.1" or "HTTP/1.0") || parts[1].Length < 2 || parts[1][0] != '/')
        {
            return null;
        }

        var target = parts[1];
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? target : target[..query];
        if (path.IndexOfAny(['/', '%', '\\'], 1) >= 0 || Array.IndexOf(Reserved, path) >= 0)
        {
            return null;
        }

        string? from = null, session = null, icyPhase = null;
        if (query >= 0 && !TryQuery(target[(query + 1)..], ref from, ref session, ref icyPhase))
        {
            return null;
        }

        string? userAgent = null, icy = null, forwardedFor = null, forwarded = null, traceParent = null, traceState = null;
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line[colon - 1] is ' ' or '\t' || line[0] is ' ' or '\t')
            {
                return null; // no name, space before the colon, or a folded line
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (Is(name, "Content-Length") ? value != "0" : Is(name, "Transfer-Encoding") || Is(name, "Expect") || Is(name, "Upgrade"))
            {
                return null; // a body or a protocol switch: not a listener
            }

            if (!(Take(name, "User-Agent", value, ref userAgent) && Take(name, "Icy-MetaData", value, ref icy)
                && Take(name, "X-Forwarded-For", value, ref forwardedFor) && Take(name, "Forwarded", value, ref forwarded)
                && Take(name, "traceparent", value, ref traceParent) && Take(name, "tracestate", value, ref traceState)))
            {
                return null; // one of these twice: Kestrel joins them its way
            }
        }

        var headers = new HeaderDictionary();
        if (forwardedFor is not null)
        {
            headers["X-Forwarded-For"] = forwardedFor;
        }

        if (forwarded is not null)
        {
            headers["Forwarded"] = forwarded;
        }

        ActivityContext.TryParse(traceParent, traceState, out var parent);
        return new ListenerRequest
        {
            Mount = path,
            Head = parts[0] == "HEAD",
            Http10 = parts[2] == "HTTP/1.0",
            From = from,
            Session = session,
            IcyPhase = icyPhase,
            WantsIcyMetadata = icy == "1",
            UserAgent = userAgent ?? string.Empty,
            Client = trusted.ClientOf(peer, headers),
            Parent = parent,
        };
    }

    private static bool HasOtherControl(ReadOnlySpan<byte> head)
    {
        foreach (var b in head)
        {
            if (b is < 0x20 or > 0x7e && b is not ((byte)'\r' or (byte)'\n'))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Is(string name, string wanted) => name.Equals(wanted, StringComparison.OrdinalIgnoreCase);

    /// <summary>Keeps the value of header <paramref name="wanted"/>; false when it comes twice.</summary>
    private static bool Take(string name, string wanted, string value, ref string? slot)
    {
        if (!Is(name, wanted))
        {
            return true;
        }

        if (slot is not null)
        {
            return false;
        }

        slot = value;
        return true;
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
