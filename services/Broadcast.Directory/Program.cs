using Broadcast.Directory;
using Broadcast.Directory.Api;
using Broadcast.Directory.Control;
using Broadcast.Directory.Grpc;
using Broadcast.Directory.Store;
using Broadcast.Directory.Watching;
using Broadcast.ServiceDefaults;
using Broadcast.ServiceDefaults.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Trace;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.Services.AddOptions<DirectoryOptions>()
    .Bind(builder.Configuration.GetSection(DirectoryOptions.Section))
    .ValidateDataAnnotations()
    .ValidateOnStart();

// Never fail start-up or calls for want of Redis: reconnect every half second and answer "unavailable" meanwhile.
var redis = ConfigurationOptions.Parse(builder.Configuration["Redis:Configuration"] ?? "127.0.0.1:6379");
redis.Password ??= builder.Configuration["Redis:Password"]; // from a Secret, apart from the address (deploy/k8s)
redis.AbortOnConnectFail = false;
redis.ConnectTimeout = 2000;
redis.SyncTimeout = redis.AsyncTimeout = 2000;
redis.ReconnectRetryPolicy = new LinearRetry(500);
redis.ClientName ??= "broadcast-directory";
builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis));
builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddRedisInstrumentation()); // when tracing is on
builder.Services.AddSingleton<DirectoryStore>();
builder.Services.AddSingleton<DirectoryState>();
builder.Services.AddHostedService(services => services.GetRequiredService<DirectoryState>());
builder.AddNats("broadcast-directory", readiness: false); // admin commands only: the directory's job is Redis
builder.Services.AddHealthChecks().AddProbeCheck("redis", ServiceDefaultsSetup.ReadyTag, services =>
    services.GetRequiredService<IConnectionMultiplexer>().IsConnected ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Redis not connected"));
builder.Services.AddSingleton<ClusterControl>();
builder.Services.AddSingleton<AdminOperations>();
builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<RedisUnavailableInterceptor>());

var app = builder.Build();
app.Use(async (context, next) =>
{
    try
    {
        await next(context).ConfigureAwait(false);
    }
    catch (Exception exception) when ((exception is RedisException or RedisTimeoutException) && !context.Response.HasStarted)
    {
        await PublicApi.Unavailable().ExecuteAsync(context).ConfigureAwait(false);
    }
});
app.MapServiceDefaults();
app.MapGrpcService<DirectoryGrpcService>();
app.MapPublicApi();
app.MapAdminApi();
app.MapIcecastAdminApi();
app.MapOperatorApi();
app.MapStatusPage();
app.Run();
