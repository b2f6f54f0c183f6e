using System.Globalization;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// Where one relayed listener is in the station's stream, so that another edge can continue it exactly: the stream
/// offset of the next audio byte (every edge holds the same bytes at the same offsets), the Ogg header bytes of the
/// current response still to pass, and for an ICY listener its place in the interleave (audio bytes before the next
/// metadata block, or metadata bytes left of the current one). Fed every relayed byte; it looks at one byte per
/// metadata block and at nothing else, and allocates nothing.
/// </summary>
internal sealed class RelayPosition
{
    public const string OffsetHeader = "Broadcast-Offset";
    public const string HeaderBytesHeader = "Broadcast-Header-Bytes";
    public const string SessionHeader = "Broadcast-Session";

    /// <summary>The offset of the next audio byte the listener gets.</summary>
    public long Offset { get; private set; }

    /// <summary>The source session the offsets belong to.</summary>
    public string Session { get; private set; } = string.Empty;

    /// <summary>Audio bytes between ICY blocks (<c>icy-metaint</c>); 0 when the listener gets none.</summary>
    public int MetaInterval { get; private set; }

    /// <summary>Audio bytes before the next ICY block; 0 with <see cref="MetadataLeft"/> 0: the next byte is a block's length byte.</summary>
    public int UntilBlock { get; private set; }

    /// <summary>Bytes of the current ICY block's text still to come.</summary>
    public int MetadataLeft { get; private set; }

    /// <summary>Ogg header bytes of the current response not relayed yet (they precede the audio at <see cref="Offset"/>).</summary>
    public int HeaderBytesLeft { get; private set; }

    /// <summary>
    /// Takes an edge's answer as the start of the relay: false when the edge did not say where its bytes are (an edge
    /// from before resume existed, an error page), and then nothing can be continued elsewhere.
    /// </summary>
    public bool Start(HttpResponseMessage reply)
    {
        if (!TryHeader(reply, OffsetHeader, out var offset) || !TryHeader(reply, HeaderBytesHeader, out var headerBytes)
            || !reply.Headers.TryGetValues(SessionHeader, out var sessions))
        {
            return false;
        }

        Offset = offset;
        HeaderBytesLeft = (int)headerBytes;
        Session = sessions.First();
        MetaInterval = TryHeader(reply, "icy-metaint", out var metaint) ? (int)metaint : 0;
        UntilBlock = MetaInterval;
        MetadataLeft = 0;
        return true;
    }

    /// <summary>
    /// Takes the answer of an edge that continues the relay: with a resume it starts at <see cref="Offset"/> (the
    /// interleave goes on where it was); after a resync the offset is the answer's own.
    /// </summary>
    public bool Continue(HttpResponseMessage reply, bool resynced)
    {
        if (!TryHeader(reply, OffsetHeader, out var offset) || !TryHeader(reply, HeaderBytesHeader, out var headerBytes)
            || !reply.Headers.TryGetValues(SessionHeader, out var sessions)
            || (MetaInterval > 0 && (!TryHeader(reply, "icy-metaint", out var metaint) || metaint != MetaInterval)))
        {
            return false;
        }

        if (!resynced && offset != Offset)
        {
            return false;
        }

        Offset = offset;
        HeaderBytesLeft = (int)headerBytes;
        Session = sessions.First();
        return true;
    }

    /// <summary>Accounts for bytes passed to the listener.</summary>
    public void Advance(ReadOnlySpan<byte> relayed)
    {
        while (!relayed.IsEmpty)
        {
            int taken;
            if (HeaderBytesLeft > 0)
            {
                taken = Math.Min(HeaderBytesLeft, relayed.Length);
                HeaderBytesLeft -= taken;
            }
            else if (MetaInterval == 0)
            {
                taken = relayed.Length;
                Offset += taken;
            }
            else if (MetadataLeft > 0)
            {
                taken = Math.Min(MetadataLeft, relayed.Length);
                if ((MetadataLeft -= taken) == 0)
                {
                    UntilBlock = MetaInterval;
                }
            }
            else if (UntilBlock == 0)
            {
                taken = 1; // a block's length byte: its text is 16 × that many bytes
                MetadataLeft = relayed[0] * 16;
                if (MetadataLeft == 0)
                {
                    UntilBlock = MetaInterval;
                }
            }
            else
            {
                taken = Math.Min(UntilBlock, relayed.Length);
                UntilBlock -= taken;
                Offset += taken;
            }

            relayed = relayed[taken..];
        }
    }

    /// <summary>
    /// Bytes the gateway itself must send before another edge's audio can follow: the rest of an ICY block cut short
    /// (NUL padding, which players read as the end of its text) or, when a length byte is due, a zero one (no title
    /// change). Written into <paramref name="destination"/>; afterwards the next byte due is audio.
    /// </summary>
    public int CompleteBlock(Span<byte> destination)
    {
        if (MetaInterval == 0 || (MetadataLeft == 0 && UntilBlock > 0))
        {
            return 0;
        }

        var length = MetadataLeft > 0 ? MetadataLeft : 1;
        destination[..length].Clear();
        MetadataLeft = 0;
        UntilBlock = MetaInterval;
        return length;
    }

    /// <summary>The query that asks an edge to continue this relay; <paramref name="resume"/> false: from its newest frame (a resync).</summary>
    public string Query(bool resume)
    {
        var phase = MetaInterval > 0 ? "&icyphase=" + UntilBlock.ToString(CultureInfo.InvariantCulture) : string.Empty;
        return resume
            ? $"?from={Offset.ToString(CultureInfo.InvariantCulture)}&session={Session}{phase}"
            : MetaInterval > 0 ? "?" + phase[1..] : string.Empty;
    }

    private static bool TryHeader(HttpResponseMessage reply, string name, out long value)
    {
        value = 0;
        return (reply.Headers.TryGetValues(name, out var values) || reply.Content.Headers.TryGetValues(name, out values))
            && long.TryParse(values.First(), NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
