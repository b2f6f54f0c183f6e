using System.Globalization;
using Broadcast.Edge.Stations;
using Broadcast.Shared.Stations;

namespace Broadcast.Edge.Listeners;

/// <summary>Where a listener's stream goes on: a resume (<c>from=</c>, <c>icyphase=</c>), past a gap, into a new session.</summary>
internal static partial class ListenerEndpoint
{
    /// <summary>How far past the newest byte a resume may ask for: a few chunks of skew between edges.</summary>
    private const int ResumeSlackBytes = 64 * 1024;

    /// <summary>
    /// For a lagged cursor: true when it fell out of the ring because of <paramref name="gap"/> (it was in the ring when
    /// the gap happened), not by its own lag; then <paramref name="resumeAt"/> is the first byte after the gap, or null
    /// when the ring has moved past that too (the listener goes to the newest frame).
    /// </summary>
    internal static bool IsAcrossGap(long cursor, Discontinuity? gap, long ringStart, out long? resumeAt)
    {
        resumeAt = null;
        if (gap is null || cursor < gap.ValidFrom || cursor >= gap.ResumeAt)
        {
            return false;
        }

        resumeAt = gap.ResumeAt >= ringStart ? gap.ResumeAt : null;
        return true;
    }

    /// <summary><c>icyphase=</c>: audio bytes before the first ICY block (1 to the interval); null when absent or out of range.</summary>
    internal static int? IcyPhase(string? value, int metaint) =>
        value is not null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var phase) && phase >= 1 && phase <= metaint
            ? phase
            : null;

    /// <summary>
    /// Checks a resume request (<c>from=&lt;offset&gt;</c>, optionally <c>session=&lt;id&gt;</c>): 400 for a malformed
    /// one, 416 when this edge no longer (or not yet) holds that offset of that session.
    /// </summary>
    internal static (int Status, string Message)? ResumeError(ListenerRequest request, StationFeed feed, out long cursor)
    {
        var ring = feed.Ring;
        var session = feed.Metadata.SessionId.ToString("N");
        if (!long.TryParse(request.From, NumberStyles.None, CultureInfo.InvariantCulture, out cursor))
        {
            return (StatusCodes.Status400BadRequest, "from= must be a byte offset (a non-negative integer)");
        }

        var wanted = request.Session;
        if (wanted is not null && !string.Equals(wanted, session, StringComparison.OrdinalIgnoreCase))
        {
            return (StatusCodes.Status416RangeNotSatisfiable, $"session {StationName.Printable(wanted)} is over; the station now streams session {session}");
        }

        // Slightly ahead is fine (this edge may be a chunk behind the one the listener left); it waits for the bytes.
        var (start, end) = (ring.Start, ring.End);
        if (cursor < start || cursor > end + ResumeSlackBytes)
        {
            return (StatusCodes.Status416RangeNotSatisfiable, $"offset {cursor} is not buffered; this edge holds {start}..{end} of session {session}");
        }

        return null;
    }
}
