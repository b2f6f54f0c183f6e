using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Broadcast.ServiceDefaults.Listeners;

/// <summary>
/// A listener's request head as the lean listener paths of edge and gateway read it off the connection (issue #17): a
/// plain <c>GET</c> or <c>HEAD</c> of one path segment, HTTP/1.0 or 1.1, with well-formed headers and no body.
/// Anything else, or anything it is unsure of, is left to Kestrel with every byte unread, so Kestrel's parser stays the
/// judge of odd requests (400, 431, smuggling shapes) and serves everything that is not a stream.
/// </summary>
public sealed class StreamRequestHead
{
    /// <summary>The longest head read here; a longer one goes to Kestrel (its limit is 32 KiB).</summary>
    public const int MaxBytes = 8 * 1024;

    public enum Verdict
    {
        /// <summary>It could still be a listener's head; wait for more bytes.</summary>
        Incomplete,

        /// <summary>A whole head that may be a listener's; <see cref="TryParse"/> decides.</summary>
        Whole,

        /// <summary>Not for the lean path: Kestrel serves the connection.</summary>
        Other,
    }

    /// <summary>A <c>HEAD</c>: headers, no stream.</summary>
    public bool Head { get; private init; }

    /// <summary>An HTTP/1.0 request (answered as such); else HTTP/1.1.</summary>
    public bool Http10 { get; private init; }

    /// <summary><c>/</c> and one segment with no escapes (so the raw path is the decoded one).</summary>
    public string Path { get; private init; } = "/";

    /// <summary>What follows the <c>?</c>, or null without one.</summary>
    public string? Query { get; private init; }

    /// <summary>The values of the caller's header names, in their order; null for a header not sent.</summary>
    public IReadOnlyList<string?> Values { get; private init; } = [];

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

    /// <summary>
    /// The request in a whole head, keeping the values of <paramref name="names"/> (case-insensitive); null when
    /// Kestrel should have it: controls or bytes past ASCII, a malformed line, a path of more than one segment or with
    /// escapes, a body or protocol switch, or one of <paramref name="names"/> twice (Kestrel joins those its way).
    /// </summary>
    public static StreamRequestHead? TryParse(ReadOnlySpan<byte> head, IReadOnlyList<string> names)
    {
        foreach (var b in head)
        {
            if (b is < 0x20 or > 0x7e && b is not ((byte)'\r' or (byte)'\n'))
            {
                return null;
            }
        }

        var lines = Encoding.ASCII.GetString(head[..^4]).Split("\r\n");
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
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? target : target[..question];
        if (path.IndexOfAny(['/', '%', '\\'], 1) >= 0)
        {
            return null;
        }

        var values = new string?[names.Count];
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

            for (var n = 0; n < names.Count; n++)
            {
                if (Is(name, names[n]))
                {
                    if (values[n] is not null)
                    {
                        return null;
                    }

                    values[n] = value;
                }
            }
        }

        return new StreamRequestHead
        {
            Head = parts[0] == "HEAD",
            Http10 = parts[2] == "HTTP/1.0",
            Path = path,
            Query = question < 0 ? null : target[(question + 1)..],
            Values = values,
        };
    }

    /// <summary>
    /// Reads a connection's first request head within <paramref name="timeout"/> and gives it to
    /// <paramref name="parse"/>: what it returns is consumed from the connection's input; null leaves every byte for
    /// Kestrel. <c>TimedOut</c> when no whole head came in time (the caller closes the connection, as Kestrel would),
    /// <c>Gone</c> when the client left meanwhile.
    /// </summary>
    public static async Task<(T? Request, bool TimedOut, bool Gone)> ReadAsync<T>(ConnectionContext connection, TimeSpan timeout, HeadParser<T> parse)
        where T : class
    {
        var input = connection.Transport.Input;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        limit.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(limit.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var verdict = Classify(buffer, out var length);
                if (verdict == Verdict.Incomplete && !result.IsCompleted)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                T? request = null;
                if (verdict == Verdict.Whole)
                {
                    var head = buffer.Slice(0, length);
                    request = parse(head.IsSingleSegment ? head.FirstSpan : head.ToArray());
                }

                input.AdvanceTo(request is null ? buffer.Start : buffer.GetPosition(length));
                return (request, false, false);
            }
        }
        catch (OperationCanceledException) when (!connection.ConnectionClosed.IsCancellationRequested)
        {
            return (null, true, false);
        }
        catch (Exception exception) when (exception is ConnectionResetException or OperationCanceledException or IOException)
        {
            return (null, false, true);
        }
    }

    private static bool Is(string name, string wanted) => name.Equals(wanted, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Makes a request of a whole head's bytes, or null to leave the connection to Kestrel.</summary>
public delegate T? HeadParser<out T>(ReadOnlySpan<byte> head)
    where T : class;
