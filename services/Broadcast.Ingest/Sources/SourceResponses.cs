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

    /// <summary>RFC 2817's answer to an upgrade the ingest can make: TLS starts right after it, on the same connection.</summary>
    public static ReadOnlyMemory<byte> SwitchToTls { get; } = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: TLS/1.0, HTTP/1.1\r\nConnection: Upgrade\r\n\r\n"u8.ToArray();

    /// <summary>
    /// The answer to the <c>OPTIONS *</c> itself, which RFC 2817 (§3.3) sends inside TLS once the handshake is done;
    /// libshout waits for it before it goes on. Keeps the connection: the source follows on it.
    /// </summary>
    public static ReadOnlyMemory<byte> ProbeAnswerInTls { get; } = "HTTP/1.1 204 No Content\r\nAllow: GET, POST, PUT, SOURCE, OPTIONS\r\n\r\n"u8.ToArray();

    /// <summary>
    /// The challenge answer inside TLS: 401 that keeps the connection (HTTP/1.1, a length, no close). libshout then
    /// sends its credentials on the same TLS connection; had it to reconnect, it would send them in plain HTTP.
    /// </summary>
    public static ReadOnlyMemory<byte> ChallengeKeepAlive { get; } = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"Broadcast\"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 25\r\n\r\nYou need to authenticate\n"u8.ToArray();

    /// <summary>What a SHOUTcast v1 source gets for the right password (Icecast and DNAS: <c>OK2</c> and the capabilities line).</summary>
    public static ReadOnlyMemory<byte> ShoutcastOk { get; } = "OK2\r\nicy-caps:11\r\n\r\n"u8.ToArray();

    /// <summary>What a SHOUTcast v1 source gets for a wrong password (DNAS's wording).</summary>
    public static ReadOnlyMemory<byte> ShoutcastDenied { get; } = "invalid password\r\n"u8.ToArray();

    public static async ValueTask WriteAsync(PipeWriter output, ReadOnlyMemory<byte> response, CancellationToken cancellationToken)
    {
        await output.WriteAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes an error with a plain-text body and closes the exchange (Connection: close).</summary>
    public static async ValueTask ErrorAsync(PipeWriter output, int status, string reason, string message, bool challenge, CancellationToken cancellationToken, int retryAfterSeconds = 0)
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

        if (retryAfterSeconds > 0)
        {
            head.Append("Retry-After: ").Append(retryAfterSeconds).Append("\r\n");
        }

        head.Append("\r\n").Append(body);
        await output.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), cancellationToken).ConfigureAwait(false);
    }
}
