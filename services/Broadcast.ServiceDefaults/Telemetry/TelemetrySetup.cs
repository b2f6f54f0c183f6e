using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Broadcast.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry for every service (issue #14), configured only by the standard <c>OTEL_*</c> variables: traces,
/// metrics and logs over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or a signal's own endpoint) is set, and a
/// Prometheus scrape endpoint at <see cref="PrometheusPath"/> with <c>Telemetry:Prometheus=true</c>. With neither,
/// no provider is built at all: nothing is exported and no span or measurement is recorded.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>Every ActivitySource and Meter of ours is named <c>Broadcast.&lt;Service&gt;</c>.</summary>
    public const string Wildcard = "Broadcast.*";

    public const string PrometheusPath = "/metrics";

    public const string PrometheusSetting = "Telemetry:Prometheus";

    private static readonly string[] OtlpEndpoints =
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"];

    /// <summary>Paths that would flood traces without answering anything (probes and scrapes).</summary>
    private static readonly string[] QuietPaths = ["/healthz", PrometheusPath];

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var otlp = OtlpEndpoints.Any(name => !string.IsNullOrWhiteSpace(configuration[name]));
        var prometheus = configuration.GetValue(PrometheusSetting, false);
        if (!otlp && !prometheus)
        {
            return builder;
        }

        ProcessMetrics.Register();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => Describe(resource, builder.Environment.ApplicationName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Wildcard).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }

                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .SetSampler(TraceSampler.FromEnvironment(configuration))
                .AddSource(Wildcard)
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !QuietPaths.Any(path => context.Request.Path.StartsWithSegments(path, StringComparison.Ordinal)))
                .AddHttpClientInstrumentation()
                .AddGrpcClientInstrumentation()
                .AddOtlpExporter());
            builder.Logging.AddOpenTelemetry(logging =>
            {
                logging.IncludeScopes = true;
                logging.IncludeFormattedMessage = true;
                logging.AddOtlpExporter();
            });
        }

        return builder;
    }

    /// <summary>Maps <see cref="PrometheusPath"/> when <c>Telemetry:Prometheus</c> is on.</summary>
    public static WebApplication MapTelemetry(this WebApplication app)
    {
        if (app.Configuration.GetValue(PrometheusSetting, false))
        {
            app.MapPrometheusScrapingEndpoint(PrometheusPath);
        }

        return app;
    }

    /// <summary>
    /// Service name (<c>OTEL_SERVICE_NAME</c>, else the assembly's), version, an instance id (the pod's name, else
    /// host and process), and the pod, namespace and node when the Kubernetes downward API sets them. The SDK adds
    /// <c>OTEL_RESOURCE_ATTRIBUTES</c> on top.
    /// </summary>
    private static void Describe(ResourceBuilder resource, string applicationName)
    {
        var pod = Variable("K8S_POD_NAME") ?? Variable("POD_NAME");
        var version = Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        resource.AddService(
            serviceName: Variable("OTEL_SERVICE_NAME") ?? ServiceName(applicationName),
            serviceVersion: version,
            serviceInstanceId: pod ?? $"{Environment.MachineName}-{Environment.ProcessId}");
        var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
        AddIfSet(attributes, "k8s.pod.name", pod);
        AddIfSet(attributes, "k8s.namespace.name", Variable("K8S_NAMESPACE_NAME") ?? Variable("POD_NAMESPACE"));
        AddIfSet(attributes, "k8s.node.name", Variable("K8S_NODE_NAME") ?? Variable("NODE_NAME"));
        resource.AddAttributes(attributes);
    }

    /// <summary><c>Broadcast.Edge</c> → <c>broadcast-edge</c>, the name the chart gives the workload.</summary>
    private static string ServiceName(string applicationName) => applicationName.Replace('.', '-').ToLowerInvariant();

    private static void AddIfSet(Dictionary<string, object> attributes, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            attributes[name] = value;
        }
    }

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
