using System.Security.Cryptography;
using System.Text;
using Broadcast.Directory.V1;
using Broadcast.Ingest.Leases;
using Broadcast.Shared.Stations;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// HTTP Basic credentials of a source against the mount's password, else the global one. Both sides are hashed
/// before the constant-time comparison so neither the content nor the length of the secret leaks through timing.
/// </summary>
/// <remarks>
/// With a directory, a provisioned station's own password decides (checked there against its stored hash); for
/// other mounts, or while the directory cannot answer, the configured passwords do.
/// </remarks>
internal sealed class SourceAuthenticator(IOptions<IngestOptions> options, SourceDirectory directory)
{
    public async ValueTask<bool> IsAuthorizedAsync(StationName station, string? authorization, CancellationToken cancellationToken) =>
        TryDecodeBasic(authorization, out var user, out var password) && await IsAuthorizedAsync(station, user, password, cancellationToken).ConfigureAwait(false);

    /// <summary>Source credentials for this mount (SHOUTcast sources and <c>admin.cgi</c> send a bare password: the user is <see cref="IngestOptions.SourceUser"/>).</summary>
    public async ValueTask<bool> IsAuthorizedAsync(StationName station, string user, string password, CancellationToken cancellationToken)
    {
        var verdict = await directory.CheckSourceAsync(station, user, password, cancellationToken).ConfigureAwait(false);
        return verdict switch
        {
            CheckSourceReply.Types.Verdict.Allowed => true,
            CheckSourceReply.Types.Verdict.Denied => false,
            _ => IsAuthorizedLocally(station, user, password),
        };
    }

    public string SourceUser => options.Value.SourceUser;

    public string AdminUser => options.Value.AdminUser;

    /// <summary>True for Basic credentials of the configured admin (<see cref="IngestOptions.AdminPassword"/>; none configured: never).</summary>
    public bool IsAdmin(string? authorization) =>
        TryDecodeBasic(authorization, out var user, out var password) && IsAdminPassword(user, password);

    public bool IsAdminPassword(string user, string password)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.AdminPassword))
        {
            return false;
        }

        var userMatches = FixedTimeEquals(user, settings.AdminUser);
        var passwordMatches = FixedTimeEquals(password, settings.AdminPassword);
        return userMatches & passwordMatches;
    }

    private bool IsAuthorizedLocally(StationName station, string user, string password)
    {
        var settings = options.Value;
        var expected = settings.MountPasswords.TryGetValue(station.Name, out var mountPassword) ? mountPassword : settings.SourcePassword;
        if (string.IsNullOrEmpty(expected))
        {
            return false;
        }

        // The source user, or a user given a priority (a DJ over the playlist's "source"), with the same password.
        var userMatches = FixedTimeEquals(user, settings.SourceUser) | settings.SourcePriorities.ContainsKey(user);
        var passwordMatches = FixedTimeEquals(password, expected);
        return userMatches & passwordMatches;
    }

    /// <summary>The user of Basic credentials; empty when there are none.</summary>
    public static string UserOf(string? authorization) => TryDecodeBasic(authorization, out var user, out _) ? user : string.Empty;

    private static bool TryDecodeBasic(string? authorization, out string user, out string password)
    {
        user = password = string.Empty;
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[512];
        if (!Convert.TryFromBase64String(authorization[6..].Trim(), decoded, out var length))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(decoded[..length]);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        user = text[..colon];
        password = text[(colon + 1)..];
        return true;
    }

    private static bool FixedTimeEquals(string actual, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(actual)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
