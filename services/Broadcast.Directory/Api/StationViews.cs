using System.Text.Json;
using System.Text.Json.Serialization;
using Broadcast.Directory.V1;

namespace Broadcast.Directory.Api;

/// <summary>A live station as <c>/api/stations</c> shows it.</summary>
internal sealed record StationView(
    string Mount,
    string Name,
    string Description,
    string Genre,
    string Url,
    bool Public,
    int Bitrate,
    int SampleRate,
    int Channels,
    string ContentType,
    string NowPlaying,
    DateTimeOffset? Started,
    long Listeners,
    long ListenerPeak,
    string ListenUrl,
    string Ingest)
{
    public static StationView From(StationInfo station, long peak, string baseUrl) => new(
        station.Mount,
        station.Name,
        station.Description,
        station.Genre,
        station.Url,
        station.Public,
        station.Bitrate,
        station.SampleRate,
        station.Channels,
        station.ContentType,
        station.NowPlaying,
        station.Started?.ToDateTimeOffset(),
        station.Listeners,
        peak,
        baseUrl + station.Mount,
        station.IngestId);
}

/// <summary>A provisioned station as the admin API shows it: never the password or its hash.</summary>
internal sealed record ProvisionedView(string Mount, string? Name, string? Description, string? Genre, string? Url, bool Public, DateTimeOffset Updated);

/// <summary>What the admin API takes to create or update a station; the password is required on creation.</summary>
internal sealed record ProvisionRequest(string? Password, string? Name, string? Description, string? Genre, string? Url, bool? Public);

/// <summary>A live edge as <c>/api/edges</c> shows it.</summary>
internal sealed record EdgeView(string Id, string Address, long Listeners, bool Draining);

internal sealed record ApiError(string Error);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StationView))]
[JsonSerializable(typeof(StationView[]))]
[JsonSerializable(typeof(ProvisionedView))]
[JsonSerializable(typeof(ProvisionedView[]))]
[JsonSerializable(typeof(ProvisionRequest))]
[JsonSerializable(typeof(EdgeView[]))]
[JsonSerializable(typeof(ApiError))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
