using Broadcast.Gateway;
using Broadcast.Gateway.Routing;
using Broadcast.ServiceDefaults;
using Yarp.ReverseProxy.LoadBalancing;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration["Connections:FilesPerConnection"] ??= "2"; // each listener: its socket and the one to its edge
builder.AddServiceDefaults();

var gateway = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
builder.Services.AddOptions<GatewayOptions>()
    .Bind(builder.Configuration.GetSection(GatewayOptions.Section))
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddSingleton<ILoadBalancingPolicy, StationAffinityPolicy>();
var (routes, clusters) = EdgeProxyConfig.Build(gateway);
builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);

// Same reasoning as the edge: cap what a stalled listener pins in Kestrel (research/dotnet.md §1.5).
builder.WebHost.UseSockets(sockets => sockets.MaxWriteBufferSize = 16 * 1024);

var app = builder.Build();
app.MapServiceDefaults();
app.MapReverseProxy();
app.Run();
