using System.Buffers;
using System.Text;

namespace Broadcast.Ingest.Sources;

/// <summary>Parses a source request head. Strict about structure, lenient about versions (<c>ICE/1.0</c> is accepted).</summary>
internal static class SourceRequestParser
{
    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    /// <summary>Finds the end of the head; returns false when more bytes are needed.</summary>
    public static bool TryFindHead(in ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> head, out SequencePosition afterHead)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out head, HeadEnd, advancePastDelimiter: true))
        {
            afterHead = reader.Position;
            return true;
        }

        afterHead = default;
        return false;
    }

    /// <summary>Parses the head (without its blank line); null with a reason when malformed.</summary>
    public static SourceRequest? Parse(in ReadOnlySequence<byte> head, out string? error)
    {
        // Latin-1 keeps every byte as one char, so hostile bytes cannot break decoding; values are checked later.
        var text = Encoding.Latin1.GetString(head);
        var lines = text.Split("\r\n");
        var parts = lines[0].Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || !parts[1].StartsWith('/'))
        {
            error = "malformed request line";
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < lines.Length; i++)
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
}
