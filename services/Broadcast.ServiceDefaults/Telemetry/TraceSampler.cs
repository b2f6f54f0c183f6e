using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace Broadcast.ServiceDefaults.Telemetry;

/// <summary>
/// The sampler <c>OTEL_TRACES_SAMPLER</c> names, with <c>OTEL_TRACES_SAMPLER_ARG</c> as the ratio
/// (OpenTelemetry's SDK environment variables): <c>always_on</c>, <c>always_off</c>, <c>traceidratio</c> and their
/// <c>parentbased_</c> forms; unset or unknown: <c>parentbased_always_on</c>, the specification's default.
/// </summary>
internal static class TraceSampler
{
    public static Sampler FromEnvironment(IConfiguration configuration)
    {
        var name = (configuration["OTEL_TRACES_SAMPLER"] ?? "parentbased_always_on").Trim().ToLowerInvariant();
        var ratio = double.TryParse(configuration["OTEL_TRACES_SAMPLER_ARG"], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) ? Math.Clamp(value, 0, 1) : 1.0;
        var parentBased = name.StartsWith("parentbased_", StringComparison.Ordinal);
        Sampler root = (parentBased ? name["parentbased_".Length..] : name) switch
        {
            "always_off" => new AlwaysOffSampler(),
            "traceidratio" => new TraceIdRatioBasedSampler(ratio),
            _ => new AlwaysOnSampler(),
        };
        return parentBased || name is not ("always_on" or "always_off" or "traceidratio") ? new ParentBasedSampler(root) : root;
    }
}
