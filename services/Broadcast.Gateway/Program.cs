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
builder.Services.AddSingleton<EdgeLoads>();
builder.Services.AddSingleton<ILoadBalancingPolicy, StationAffinityPolicy>();
builder.Services.AddSingleton<ListenerProxy>();

// With a directory the edges start empty and come from its watch; otherwise from the static list.
var (routes, clusters) = string.IsNullOrEmpty(gateway.DirectoryUrl) ? EdgeProxyConfig.Build(gateway) : EdgeProxyConfig.Build(gateway, []);
builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);
if (!string.IsNullOrEmpty(gateway.DirectoryUrl))
{
    builder.Services.AddGrpcClient<Broadcast.Directory.V1.Directory.DirectoryClient>(client => client.Address = new Uri(gateway.DirectoryUrl));
    builder.Services.AddHostedService<DirectoryEdgeWatcher>();
}

// Same reasoning as the edge: cap what a stalled listener pins in Kestrel (research/dotnet.md §1.5).
builder.WebHost.UseSockets(sockets => sockets.MaxWriteBufferSize = 16 * 1024);

var app = builder.Build();
app.MapServiceDefaults();
app.MapReverseProxy();
if (gateway.ListenerProxy == ListenerProxyMode.Direct)
{
    var listeners = app.Services.GetRequiredService<ListenerProxy>();
    app.MapMethods("/{mount}", ["GET", "HEAD"], listeners.HandleAsync);
}
app.Run();
