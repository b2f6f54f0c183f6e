using System.Globalization;
using System.Text;
using Broadcast.Shared.Stations;

namespace Broadcast.Edge.Listeners;

/// <summary>What a listener's stream says before its audio: the response head, and the listener-session span.</summary>
internal sealed partial class ListenerStreams
{
    /// <summary>Stream offset of the first audio byte of this response (after any Ogg header pages); what <c>from=</c> takes.</summary>
    private const string OffsetHeader = "Broadcast-Offset";

    /// <summary>Bytes of Ogg header pages sent before the audio at <see cref="OffsetHeader"/>.</summary>
    private const string HeaderBytesHeader = "Broadcast-Header-Bytes";

    /// <summary>The source session the offsets belong to; pass it back as <c>session=</c> when resuming.</summary>
    private const string SessionHeader = "Broadcast-Session";

    /// <summary>
    /// The response head, as Icecast sends it: a body delimited by the connection's close (never chunked: ICY readers
    /// that send HTTP/1.1, such as streamripper, cannot parse chunks), the station's <c>icy-*</c> headers, and the offsets
    /// a gateway needs to continue the stream on another edge.
    /// </summary>
    private static byte[] ResponseHead(ListenerRequest request, StationMetadata metadata, int metaint, long cursor, int headerBytes)
    {
        var head = new StringBuilder(640)
            .Append(request.Http10 ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.1 200 OK\r\n")
            .Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("Server: Broadcast\r\n");
        Header(head, "Content-Type", metadata.ContentType);
        head.Append("Cache-Control: no-cache, no-store\r\nPragma: no-cache\r\nAccess-Control-Allow-Origin: *\r\n")
            .Append("Access-Control-Expose-Headers: icy-br, icy-description, icy-genre, icy-name, icy-pub, icy-url, icy-metaint, icy-audio-info, Broadcast-Offset, Broadcast-Header-Bytes, Broadcast-Session\r\n")
            .Append("Accept-Ranges: none\r\n"); // a live stream: a Range request is answered with the stream, never 416
        Header(head, "icy-name", metadata.Name);
        Header(head, "icy-description", metadata.Description);
        Header(head, "icy-genre", metadata.Genre);
        Header(head, "icy-url", metadata.Url);
        Header(head, "icy-pub", metadata.Public ? "1" : "0");
        if (metadata.Bitrate > 0)
        {
            Header(head, "icy-br", metadata.Bitrate.ToString(CultureInfo.InvariantCulture));
        }

        if (metaint > 0)
        {
            Header(head, "icy-metaint", metaint.ToString(CultureInfo.InvariantCulture));
        }

        Header(head, OffsetHeader, cursor.ToString(CultureInfo.InvariantCulture));
        Header(head, HeaderBytesHeader, headerBytes.ToString(CultureInfo.InvariantCulture));
        Header(head, SessionHeader, metadata.SessionId.ToString("N"));
        head.Append("Connection: close\r\n\r\n");
        return Encoding.UTF8.GetBytes(head.ToString());
    }

    /// <summary>One header line; a value from an encoder is cut at any control character, so it cannot end the line.</summary>
    private static void Header(StringBuilder head, string name, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        var end = value.AsSpan().IndexOfAnyInRange('\0', '\u001f');
        head.Append(name).Append(": ").Append(end < 0 ? value : value[..end]).Append("\r\n");
    }

    /// <summary>The listener-session span: a child of the caller's (the gateway's listener span), one trace per listener.</summary>
    private static System.Diagnostics.Activity? ListenerSpan(ListenerSession listener, ListenerRequest request, string edge)
    {
        var span = EdgeMetrics.Source.StartActivity("listener.session", System.Diagnostics.ActivityKind.Server, request.Parent);
        span?.SetTag("broadcast.station", listener.Feed.Station.Mount)
            .SetTag("broadcast.edge", edge)
            .SetTag("broadcast.listener.id", listener.Id)
            .SetTag("client.address", listener.Address)
            .SetTag("user_agent.original", listener.UserAgent);
        return span;
    }

    /// <summary>Ends the span with why and how much, linked to the source session the listener heard (from a sampled chunk).</summary>
    private static void EndSpan(ListenerSession listener)
    {
        if (listener.Span is not { } span)
        {
            return;
        }

        if (listener.Feed.SourceTrace is { } source && source != default)
        {
            span.AddLink(new System.Diagnostics.ActivityLink(source));
        }

        span.SetTag("broadcast.end_reason", listener.EndReason).SetTag("broadcast.listener.bytes", listener.BytesSent);
        span.Dispose();
    }
}
