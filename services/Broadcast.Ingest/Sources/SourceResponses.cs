using System.IO.Pipelines;
using System.Text;

namespace Broadcast.Ingest.Sources;

/// <summary>The raw answers a source gets, worded as Icecast words them so clients react as they do to Icecast.</summary>
internal static class SourceResponses
{
    public static ReadOnlyMemory<byte> Continue { get; } = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    public static ReadOnlyMemory<byte> Ok { get; } = "HTTP/1.0 200 OK\r\n\r\n"u8.ToArray();

    /// <summary>
    /// The answer to libshout's <c>OPTIONS *</c> probe: what Icecast 2.4 answers without TLS (204, no <c>Upgrade</c>),
    /// listing POST so libshout sends title updates as a form body. It then logs in on a new connection.
    /// </summary>
    public static ReadOnlyMemory<byte> ProbeAnswer { get; } = "HTTP/1.0 204 No Content\r\nAllow: GET, POST, PUT, SOURCE, OPTIONS\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();

    /// <summary>What a SHOUTcast v1 source gets for the right password (Icecast and DNAS: <c>OK2</c> and the capabilities line).</summary>
    public static ReadOnlyMemory<byte> ShoutcastOk { get; } = "OK2\r\nicy-caps:11\r\n\r\n"u8.ToArray();

    /// <summary>What a SHOUTcast v1 source gets for a wrong password (DNAS's wording).</summary>
    public static ReadOnlyMemory<byte> ShoutcastDenied { get; } = "invalid password\r\n"u8.ToArray();

    public static async ValueTask WriteAsync(PipeWriter output, ReadOnlyMemory<byte> response, CancellationToken cancellationToken)
    {
        await output.WriteAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes an error with a plain-text body and closes the exchange (Connection: close).</summary>
    public static async ValueTask ErrorAsync(PipeWriter output, int status, string reason, string message, bool challenge, CancellationToken cancellationToken)
    {
        var body = message + "\n";
        var head = new StringBuilder()
            .Append("HTTP/1.0 ").Append(status).Append(' ').Append(reason).Append("\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n")
            .Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(body)).Append("\r\n")
            .Append("Connection: close\r\n");
        if (challenge)
        {
            head.Append("WWW-Authenticate: Basic realm=\"Broadcast\"\r\n");
        }

        head.Append("\r\n").Append(body);
        await output.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), cancellationToken).ConfigureAwait(false);
    }
}
