namespace Broadcast.LoadTest;

/// <summary>What <c>swarm</c> does: how many listeners, how fast they join, how long they stay.</summary>
/// <remarks>
/// With <see cref="IcyMetadata"/> every listener asks for in-band titles (<c>Icy-MetaData: 1</c>), as VLC and mpv do;
/// the metadata blocks (a byte per <c>icy-metaint</c> and a title block per change) are counted with the audio, under
/// 0.01 % of it.
/// </remarks>
internal sealed record SwarmOptions(Uri Url, int Listeners, double RampSeconds, double DurationSeconds, double SettleSeconds, int BitrateKbps, string HttpVersion, string? JsonPath, string Label, bool IcyMetadata)
{
    public static SwarmOptions From(Arguments args)
    {
        var options = new SwarmOptions(
            new Uri(args.Text("url", "http://127.0.0.1:8000/demo.mp3")),
            args.Integer("listeners", 100),
            args.Number("ramp", 10),
            args.Number("duration", 60),
            args.Number("settle", 2),
            args.Integer("bitrate-kbps", 0),
            args.Text("http", "1.0"),
            args.Text("json", string.Empty) is { Length: > 0 } json ? json : null,
            args.Text("label", "swarm"),
            args.Integer("icy", 0) == 1);
        args.RejectUnknown();
        if (options.Listeners is < 1 or > 100_000 || options.DurationSeconds is <= 0 or > 86_400 || options.RampSeconds < 0 || options.SettleSeconds < 0)
        {
            throw new ArgumentException("--listeners 1..100000, --duration > 0 (at most a day), --ramp and --settle >= 0");
        }

        if (options.HttpVersion is not ("1.0" or "1.1"))
        {
            throw new ArgumentException("--http is 1.0 (no chunked framing counted as audio) or 1.1");
        }

        return options;
    }
}
