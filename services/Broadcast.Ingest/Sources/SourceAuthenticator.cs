using System.Security.Cryptography;
using System.Text;
using Broadcast.Shared.Stations;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// HTTP Basic credentials of a source against the mount's password, else the global one. Both sides are hashed
/// before the constant-time comparison so neither the content nor the length of the secret leaks through timing.
/// </summary>
internal sealed class SourceAuthenticator(IOptions<IngestOptions> options)
{
    public bool IsAuthorized(StationName station, string? authorization)
    {
        if (!TryDecodeBasic(authorization, out var user, out var password))
        {
            return false;
        }

        var settings = options.Value;
        var expected = settings.MountPasswords.TryGetValue(station.Name, out var mountPassword) ? mountPassword : settings.SourcePassword;
        if (string.IsNullOrEmpty(expected))
        {
            return false;
        }

        var userMatches = FixedTimeEquals(user, settings.SourceUser);
        var passwordMatches = FixedTimeEquals(password, expected);
        return userMatches & passwordMatches;
    }

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
