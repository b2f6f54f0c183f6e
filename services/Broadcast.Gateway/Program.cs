using Broadcast.Gateway;
using Broadcast.Gateway.Listeners;
using Broadcast.Gateway.Pages;
using Broadcast.Gateway.Routing;
using Broadcast.ServiceDefaults;
using Broadcast.ServiceDefaults.Health;
using Broadcast.ServiceDefaults.Listeners;
using Yarp.ReverseProxy.LoadBalancing;

var builder = WebApplication.CreateBuilder(args);
// Each listener: its socket, and with Gateway:EdgeMux off one more to its edge (on, the edges' mux connections are a few
// files in all; a listener of an edge that refuses the mux takes two, and the accept loop logs a refusal at the limit).
builder.Configuration["Connections:FilesPerConnection"] ??= builder.Configuration.GetValue($"{GatewayOptions.Section}:{nameof(GatewayOptions.EdgeMux)}", true) ? "1" : "2";
builder.AddServiceDefaults();

var gateway = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
builder.Services.AddOptions<GatewayOptions>()
    .Bind(builder.Configuration.GetSection(GatewayOptions.Section))
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddSingleton<EdgeLoads>();
builder.Services.AddSingleton<ILoadBalancingPolicy, StationAffinityPolicy>();
builder.Services.AddSingleton<ListenerProxy>();
builder.Services.AddSingleton<EdgeMuxes>();
builder.Services.AddSingleton<StallWatchdog>();
builder.Services.AddHostedService(services => services.GetRequiredService<StallWatchdog>());
builder.Services.AddSingleton<StationCatalog>();
builder.Services.AddSingleton<ListenerLimits>();
builder.Services.AddSingleton<ListenerAdmission>();
builder.Services.AddLeanTransport<LeanListenerMiddleware>(builder.Configuration);

// With a directory the edges start empty and come from its watch; otherwise from the static list.
var (routes, clusters) = string.IsNullOrEmpty(gateway.DirectoryUrl) ? EdgeProxyConfig.Build(gateway) : EdgeProxyConfig.Build(gateway, []);
builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);

// Ready once at least one edge is known and not failing YARP's active health check (an edge is unknown until probed).
builder.Services.AddHealthChecks().AddProbeCheck("edges", ServiceDefaultsSetup.ReadyTag, services =>
    services.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>().TryGetCluster(EdgeProxyConfig.ClusterId, out var edges) && edges.DestinationsState.AvailableDestinations.Count > 0
        ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy()
        : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("no healthy edge"));
if (!string.IsNullOrEmpty(gateway.DirectoryUrl))
{
    builder.Services.AddGrpcClient<Broadcast.Directory.V1.Directory.DirectoryClient>(client => client.Address = new Uri(gateway.DirectoryUrl));
    builder.Services.AddHostedService<DirectoryEdgeWatcher>();
}

// Same reasoning as the edge: cap what a stalled listener pins in Kestrel (research/dotnet.md §1.5).
builder.WebHost.UseSockets(sockets => sockets.MaxWriteBufferSize = 16 * 1024);

// Listener streams on the lean path: a listener's first request head is read here and its stream relayed on the
// socket; everything else (and every byte of it) goes on to Kestrel's HTTP pipeline.
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
{
    var lean = listen.ApplicationServices.GetRequiredService<LeanListenerMiddleware>();
    listen.Use(next => connection => lean.InvokeAsync(connection, next));
}));

var app = builder.Build();
app.Use(RequestShape.InvokeAsync);
app.Use(CorsPolicy.InvokeAsync);
app.UseWhen(context => PlaylistEndpoint.IsPlaylist(context.Request.Path) && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)), playlists => playlists.Run(PlaylistEndpoint.HandleAsync));
app.MapServiceDefaults();
app.MapReverseProxy();
app.MapMethods("/", ["GET", "HEAD"], ListenerPage.HandleAsync);
var listeners = app.Services.GetRequiredService<ListenerProxy>();
if (gateway.ListenerProxy == ListenerProxyMode.Direct)
{
    app.MapMethods("/{mount}", ["GET", "HEAD"], listeners.HandleAsync);
}

app.MapGet("/api/stations/{mount}/events", listeners.HandleAsync); // now-playing from the edge that holds the station
app.Run();
