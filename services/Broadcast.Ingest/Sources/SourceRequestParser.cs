using System.Buffers;
using System.Text;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// Parses a source request head. Strict about structure, lenient where real encoders are: versions (<c>ICE/1.0</c>)
/// and line ends (darkice ends its request and header lines with a bare LF; Icecast accepts that, so do we).
/// </summary>
internal static class SourceRequestParser
{
    /// <summary>Finds the end of the head (an empty line, CRLF or bare LF); returns false when more bytes are needed.</summary>
    public static bool TryFindHead(in ReadOnlySequence<byte> buffer, bool mayBeEmpty, out ReadOnlySequence<byte> head, out SequencePosition afterHead)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (mayBeEmpty)
        {
            // Header lines only (no request line): a blank first line means there are none.
            var cr = reader.IsNext((byte)'\r', advancePast: true);
            if (reader.IsNext((byte)'\n', advancePast: true))
            {
                head = buffer.Slice(0, 0);
                afterHead = reader.Position;
                return true;
            }

            reader.Rewind(cr ? 1 : 0);
        }

        while (reader.TryAdvanceTo((byte)'\n', advancePastDelimiter: true))
        {
            var lineEnd = reader.Position;
            var cr = reader.IsNext((byte)'\r', advancePast: true);
            if (reader.IsNext((byte)'\n', advancePast: true))
            {
                head = buffer.Slice(0, lineEnd);
                afterHead = reader.Position;
                return true;
            }

            if (cr)
            {
                reader.Rewind(1);
            }
        }

        head = default;
        afterHead = default;
        return false;
    }

    /// <summary>
    /// Parses the head (up to its last line end), after <paramref name="requestLine"/> when the head is header lines
    /// only; null with a reason when malformed.
    /// </summary>
    public static SourceRequest? Parse(in ReadOnlySequence<byte> head, string? requestLine, out string? error)
    {
        // Latin-1 keeps every byte as one char, so hostile bytes cannot break decoding; values are checked later.
        var lines = Lines(requestLine + Encoding.Latin1.GetString(head));
        var parts = lines.Count > 0 ? lines[0].Split(' ') : [];
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || !(parts[1].StartsWith('/') || parts[1] == "*"))
        {
            error = "malformed request line";
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < lines.Count; i++)
        {
            var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                error = "malformed header line";
                return null;
            }

            headers[lines[i][..colon].Trim()] = lines[i][(colon + 1)..].Trim();
        }

        error = null;
        return new SourceRequest { Method = parts[0], Target = parts[1], Version = parts[2], Headers = headers };
    }

    /// <summary>The head's lines without their CRLF or LF, the empty ones dropped (the head ends at the first).</summary>
    private static List<string> Lines(string text)
    {
        var lines = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.EndsWith('\r') ? line[..^1] : line;
            if (trimmed.Length > 0)
            {
                lines.Add(trimmed);
            }
        }

        return lines;
    }
}
