using System.Globalization;
using System.Text;

namespace Broadcast.ServiceDefaults.Listeners;

/// <summary>
/// A short plain-text answer on a lean listener path's connection, after which the connection closes: the refusals
/// (404, 416, 503 with <c>Retry-After</c>), the gateway's errors (502, 504) and its redirect of a full station (302).
/// </summary>
public static class LeanReply
{
    public static async Task WriteAsync(LeanConnection connection, bool http10, bool head, int status, string message, CancellationToken cancellationToken, string? retryAfter = null, string? location = null) =>
        await connection.SendAsync(Build(http10, head, status, message, retryAfter, location), cancellationToken).ConfigureAwait(false);

    /// <summary>The answer's bytes: head, and the message unless it answers a <c>HEAD</c>.</summary>
    public static byte[] Build(bool http10, bool head, int status, string message, string? retryAfter = null, string? location = null)
    {
        var body = Encoding.UTF8.GetBytes(message + "\n");
        var text = new StringBuilder()
            .Append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)).Append("\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n")
            .Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("Access-Control-Allow-Origin: *\r\n")
            .Append("Connection: close\r\n");
        if (retryAfter is not null)
        {
            text.Append("Retry-After: ").Append(retryAfter).Append("\r\n");
        }

        if (location is not null)
        {
            text.Append("Location: ").Append(location).Append("\r\n");
        }

        var bytes = Encoding.ASCII.GetBytes(text.Append("\r\n").ToString());
        return head ? bytes : [.. bytes, .. body];
    }
}
