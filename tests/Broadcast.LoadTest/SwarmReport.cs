using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Broadcast.LoadTest;

/// <summary>The swarm's figures: time to first byte, delivered rate against the stream's bit rate, failures.</summary>
internal sealed record SwarmReport(
    string Label,
    string Url,
    int Listeners,
    double DurationSeconds,
    int BitrateKbps,
    double TtfbP50Ms,
    double TtfbP90Ms,
    double TtfbP99Ms,
    double TtfbMaxMs,
    double DeliveredMedianPercent,
    double DeliveredMinPercent,
    int ListenersAtOrAbove99Percent,
    long TotalBytes,
    int Failures,
    Dictionary<string, int> FailureReasons)
{
    public static SwarmReport From(SwarmOptions options, ListenerResult[] results)
    {
        var ttfb = results.Where(r => r.TimeToFirstByte is not null).Select(r => r.TimeToFirstByte!.Value.TotalMilliseconds).Order().ToArray();
        var bitrate = results.Select(r => r.BitrateKbps).FirstOrDefault(b => b > 0);
        var delivered = results
            .Where(r => r.Failure is null && r.SteadySeconds > 0 && bitrate > 0)
            .Select(r => r.SteadyBytes * 8.0 / r.SteadySeconds / (bitrate * 1000.0) * 100)
            .Order()
            .ToArray();
        var reasons = results.Where(r => r.Failure is not null).GroupBy(r => r.Failure!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new SwarmReport(
            options.Label,
            options.Url.ToString(),
            options.Listeners,
            options.DurationSeconds,
            bitrate,
            Percentile(ttfb, 0.50),
            Percentile(ttfb, 0.90),
            Percentile(ttfb, 0.99),
            ttfb.Length > 0 ? ttfb[^1] : double.NaN,
            Percentile(delivered, 0.50),
            delivered.Length > 0 ? delivered[0] : double.NaN,
            delivered.Count(d => d >= 99.0),
            results.Sum(r => r.Bytes),
            reasons.Values.Sum(),
            reasons);
    }

    public string ToText()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"{Label}: {Listeners} listeners, {DurationSeconds} s, {Url}");
        text.AppendLine(c, $"  time to first byte  p50 {TtfbP50Ms:F1} ms  p90 {TtfbP90Ms:F1} ms  p99 {TtfbP99Ms:F1} ms  max {TtfbMaxMs:F1} ms");
        text.AppendLine(c, $"  delivered vs {BitrateKbps} kbit/s  median {DeliveredMedianPercent:F2} %  min {DeliveredMinPercent:F2} %  at >= 99 %: {ListenersAtOrAbove99Percent}/{Listeners}");
        var reasons = Failures > 0 ? "  (" + string.Join(", ", FailureReasons.Select(r => $"{r.Key}: {r.Value}")) + ")" : string.Empty;
        text.AppendLine(c, $"  bytes {TotalBytes:N0}  failures {Failures}{reasons}");
        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(this, SwarmReportJsonContext.Default.SwarmReport);

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(SwarmReport))]
internal sealed partial class SwarmReportJsonContext : JsonSerializerContext;
