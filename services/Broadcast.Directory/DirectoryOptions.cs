using System.ComponentModel.DataAnnotations;

namespace Broadcast.Directory;

/// <summary>Directory settings (section <c>Directory</c>); Redis itself is <c>Redis:Configuration</c>.</summary>
internal sealed class DirectoryOptions
{
    public const string Section = "Directory";

    /// <summary>Prefix of every key the directory writes, so one Redis can serve several clusters.</summary>
    [Required]
    public string KeyPrefix { get; set; } = "broadcast:";

    /// <summary>Bearer token for <c>/api/admin/*</c>. Empty: the admin API answers 403 (disabled).</summary>
    public string AdminToken { get; set; } = string.Empty;

    /// <summary>How often the directory re-reads Redis for its snapshot (watchers get a new one when it changed).</summary>
    [Range(100, 10_000)]
    public int RefreshMilliseconds { get; set; } = 500;

    /// <summary>Longest lease or heartbeat TTL a client may ask for; shorter requests are honoured.</summary>
    [Range(1000, 300_000)]
    public int MaxTtlMilliseconds { get; set; } = 60_000;

    /// <summary>Public base URL for <c>listenurl</c> (e.g. https://radio.example.org); empty: from the request (X-Forwarded-* honoured).</summary>
    public string PublicUrl { get; set; } = string.Empty;

    /// <summary>What <c>/status-json.xsl</c> reports as <c>admin</c>, <c>host</c> and <c>location</c>.</summary>
    public string Admin { get; set; } = "admin@localhost";

    public string Location { get; set; } = "Earth";
}
