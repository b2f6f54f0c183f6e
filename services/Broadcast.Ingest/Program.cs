using Broadcast.Ingest;
using Broadcast.Ingest.HandOver;
using Broadcast.Ingest.Leases;
using Broadcast.Ingest.Publishing;
using Broadcast.Ingest.Sources;
using Broadcast.ServiceDefaults;
using Broadcast.ServiceDefaults.Memory;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

builder.Services.AddOptions<IngestOptions>()
    .Bind(builder.Configuration.GetSection(IngestOptions.Section))
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.AddNats("broadcast-ingest");
builder.Services.AddSingleton<SourceRegistry>();
builder.Services.AddSingleton<ILoadGauge>(services => services.GetRequiredService<SourceRegistry>()); // sources bypass the HTTP pipeline
builder.Services.AddSingleton<SourceDirectory>();
builder.Services.AddSingleton<SourceAuthenticator>();
builder.Services.AddSingleton<SourceLoginLimiter>();
builder.Services.AddSingleton<SourceTls>();
var directoryUrl = builder.Configuration[$"{IngestOptions.Section}:{nameof(IngestOptions.DirectoryUrl)}"];
if (!string.IsNullOrEmpty(directoryUrl))
{
    builder.Services.AddGrpcClient<Broadcast.Directory.V1.Directory.DirectoryClient>(client => client.Address = new Uri(directoryUrl));
}

builder.Services.AddSingleton<FallbackPlayer>();
builder.Services.AddSingleton<StationKeeper>();
builder.Services.AddSingleton<SourceConnectionMiddleware>();
builder.Services.AddHostedService<StationRequestResponder>();
builder.Services.AddHostedService<ShoutcastListener>();

// Sources arrive on the same port as HTTP: the connection middleware takes PUT/SOURCE, the rest is HTTP.
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
{
    var sources = listen.ApplicationServices.GetRequiredService<SourceConnectionMiddleware>();
    listen.Use(next => connection => sources.InvokeAsync(connection, next));
}));

var app = builder.Build();
app.MapServiceDefaults();

// libshout probes with GET /admin/!POKE and streams with PUT only when the Allow header lists it.
app.MapGet("/admin/!POKE", (HttpResponse response) =>
{
    response.Headers.Allow = "GET, POST, PUT, SOURCE, OPTIONS";
    return Results.NoContent();
});

app.MapMethods("/admin/metadata", ["GET", "POST"], MetadataEndpoint.HandleAsync);
app.MapMethods("/admin.cgi", ["GET", "POST"], MetadataEndpoint.HandleAsync);

app.Run();
