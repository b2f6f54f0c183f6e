using System.ComponentModel.DataAnnotations;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Broadcast.ServiceDefaults.Listeners;

/// <summary>
/// What one listener that stops reading may cost (section <c>Listeners</c>, the same on edge and gateway). Without a
/// send buffer of our choosing the kernel autotunes each socket's up to <c>tcp_wmem</c>'s maximum: 3,000 listeners that
/// never read held ≈ 690 KiB each on the gateway, the kernel ran out of TCP memory, and none of them was closed in 30 s,
/// because every write still fit into the kernel and so never stalled long enough for Kestrel's data-rate rule.
/// </summary>
public sealed class StalledListenerOptions
{
    public const string Section = "Listeners";

    /// <summary>
    /// <c>SO_SNDBUF</c> of each listener's socket, in bytes (Linux doubles it for its bookkeeping): 32 KiB ≈ 2 s of
    /// 128 kbit/s audio, room enough for a burst to leave quickly on the internet's round trips. 0: the kernel's autotuning.
    /// </summary>
    [Range(0, 16 * 1024 * 1024)]
    public int SendBufferBytes { get; set; } = 32 * 1024;

    /// <summary>
    /// Seconds a listener may accept (almost) nothing (below <see cref="MinimumBytesPerSecond"/>) while a write waits
    /// before its connection is closed. Players read continuously; one that stops is gone or frozen.
    /// </summary>
    [Range(1, 3600)]
    public int StalledSeconds { get; set; } = 10;

    /// <summary>The rate below which a waiting write counts as stalled; far below any audio bitrate.</summary>
    [Range(1, 1024 * 1024)]
    public int MinimumBytesPerSecond { get; set; } = 1024;
}

/// <summary>Applies <see cref="StalledListenerOptions"/> to one listener's connection, once its stream begins.</summary>
public static class StalledListeners
{
    public static void Apply(HttpContext context, StalledListenerOptions options)
    {
        context.Features.Get<IHttpMinResponseDataRateFeature>()?.MinDataRate = new MinDataRate(options.MinimumBytesPerSecond, TimeSpan.FromSeconds(options.StalledSeconds));
        if (options.SendBufferBytes <= 0 || context.Features.Get<IConnectionSocketFeature>()?.Socket is not { } socket)
        {
            return;
        }

        try
        {
            socket.SendBufferSize = options.SendBufferBytes;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // the listener left before its first byte; the stream's first write notices
        }
    }
}
