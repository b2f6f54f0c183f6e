using System.Globalization;

namespace Broadcast.ServiceDefaults;

/// <summary>
/// Kestrel's connection cap, derived from the process's open-file limit. Past that limit the runtime itself fails
/// (the benchmark saw "Too many open files" and then a fatal "Out of memory" in the gateway at 10,000 listeners under
/// a 20,000-file limit); refusing the excess connections keeps every listener already connected playing.
/// </summary>
public static class ConnectionLimit
{
    /// <summary>Files kept for everything that is not a client connection: logs, NATS, health probes, the runtime.</summary>
    public const int ReservedFiles = 512;

    /// <summary>The cap: (soft open-file limit − reserve) / files each client connection costs; null when unknown.</summary>
    /// <param name="procLimits">The text of <c>/proc/self/limits</c>.</param>
    /// <param name="filesPerConnection">2 for a proxy (the client's socket and its upstream one), 1 otherwise.</param>
    public static long? FromProcLimits(string procLimits, int filesPerConnection)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(filesPerConnection, 1);
        foreach (var line in procLimits.Split('\n'))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft))
            {
                return null; // "unlimited"
            }

            return Math.Max(1, (soft - ReservedFiles) / filesPerConnection);
        }

        return null;
    }

    /// <summary>The cap for this process on Linux; null elsewhere or when there is no finite limit.</summary>
    public static long? ForThisProcess(int filesPerConnection) =>
        OperatingSystem.IsLinux() && File.Exists("/proc/self/limits") ? FromProcLimits(File.ReadAllText("/proc/self/limits"), filesPerConnection) : null;

    /// <summary>
    /// <c>Connections:HeaderTimeoutSeconds</c> (Icecast's header-timeout, 15 s): the time a connection has to send its
    /// request head, and the longest a connection may stay silent before or between requests.
    /// </summary>
    public static TimeSpan HeaderTimeout(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        TimeSpan.FromSeconds(Math.Max(1, Microsoft.Extensions.Configuration.ConfigurationBinder.GetValue(configuration, "Connections:HeaderTimeoutSeconds", 15)));
}
