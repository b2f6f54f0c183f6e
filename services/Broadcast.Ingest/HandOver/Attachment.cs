using Broadcast.Ingest.Sources;

namespace Broadcast.Ingest.HandOver;

/// <summary>A source's place in its station's stream, or why it has none (then it is answered with that status and message).</summary>
internal sealed record Attachment(SourceSession? Session, int Status = 200, string Reason = "OK", string Message = "")
{
    public static Attachment Refused(int status, string reason, string message) => new(null, status, reason, message);

    public static Attachment InUse(string message = "Mountpoint in use") => Refused(403, "Forbidden", message);
}
