using Broadcast.Edge;
using Broadcast.Edge.Listeners;
using Broadcast.Edge.Reporting;
using Broadcast.Edge.Stations;
using Broadcast.ServiceDefaults;
using Broadcast.ServiceDefaults.Listeners;
using Broadcast.ServiceDefaults.Memory;
using Broadcast.Shared.Buffers;
using Microsoft.AspNetCore.Connections;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

builder.Services.AddOptions<EdgeOptions>()
    .Bind(builder.Configuration.GetSection(EdgeOptions.Section))
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.AddNats("broadcast-edge");
builder.Services.AddSingleton<StationFeedRegistry>();
builder.Services.AddSingleton<EdgeIdentity>();
builder.Services.AddSingleton<ListenerDirectory>();
builder.Services.AddSingleton<ListenerDrain>();
builder.Services.AddSingleton<ListenerStreams>();
builder.Services.AddLeanTransport<ListenerConnectionMiddleware>(builder.Configuration);
builder.Services.AddHostedService<ListenerStallWatch>();

// Kestrel waits for the draining listeners (ListenerDrain) up to the host's shutdown timeout, then aborts the rest.
var drainSeconds = builder.Configuration.GetValue($"{EdgeOptions.Section}:{nameof(EdgeOptions.DrainSeconds)}", new EdgeOptions().DrainSeconds);
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(drainSeconds + 5));
builder.Services.AddHostedService<Broadcast.Edge.Control.EdgeControlResponder>();
var directoryUrl = builder.Configuration[$"{EdgeOptions.Section}:{nameof(EdgeOptions.DirectoryUrl)}"];
if (!string.IsNullOrEmpty(directoryUrl))
{
    builder.Services.AddGrpcClient<Broadcast.Directory.V1.Directory.DirectoryClient>(client => client.Address = new Uri(directoryUrl));
    builder.Services.AddHostedService<DirectoryReporter>();
}

// A slow client of Kestrel's pipeline pins at most this much: 16 KiB. The default 64 KiB cost about 66 KiB per stalled
// listener (research/dotnet.md §1.3–1.4) when streams went through it; they now go from the ring to the socket.
builder.WebHost.UseSockets(sockets => sockets.MaxWriteBufferSize = 16 * 1024);

// Listener streams on the lean path: a listener's first request head is read here and its stream served on the
// socket; everything else (and every byte of it) goes on to Kestrel's HTTP pipeline.
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
{
    var lean = listen.ApplicationServices.GetRequiredService<ListenerConnectionMiddleware>();
    listen.Use(next => connection => lean.InvokeAsync(connection, next));
}));

var app = builder.Build();
app.MapServiceDefaults();
var drain = app.Services.GetRequiredService<ListenerDrain>();
app.Lifetime.ApplicationStopping.Register(drain.Begin);

var registry = app.Services.GetRequiredService<StationFeedRegistry>();
var edgeId = app.Services.GetRequiredService<EdgeIdentity>().Id;
EdgeMetrics.Meter.CreateObservableGauge(
    "broadcast.listeners",
    () => registry.ListenersByMount().Select(station => new System.Diagnostics.Metrics.Measurement<long>(station.Value, EdgeMetrics.Station(station.Key), new KeyValuePair<string, object?>("broadcast.edge", edgeId))),
    "{listener}",
    "Listeners now, by station and edge.");
EdgeMetrics.Meter.CreateObservableGauge("broadcast.edge.stations.active", () => registry.ActiveStations, "{station}", "Stations with a ring on this edge.");
EdgeMetrics.Meter.CreateObservableGauge("broadcast.edge.buffer.bytes", () => registry.BufferBytes, "By", "Ring bytes held by active stations.");
var inFlight = app.Services.GetRequiredService<InFlightRequests>();
var pool = app.Services.GetService<IMemoryPoolFactory<byte>>()?.GetType().Name ?? "none";
app.MapGet("/stats", () => Results.Json(
    new EdgeStats(registry.ActiveStations, registry.BufferBytes, MappedRegion.MappedBytes, inFlight.CurrentLoad, ProcessMemory.ResidentBytes(), ProcessMemory.GovernorCollections, pool, StationFeed.LostTotal, StationFeed.BridgedTotal),
    EdgeStatsJsonContext.Default.EdgeStats));
app.MapMethods("/{mount}", ["GET", "HEAD"], ListenerEndpoint.HandleAsync);
app.MapGet("/api/stations/{mount}/events", NowPlayingEvents.HandleAsync);

app.Run();
