using System.Text.Json;
using System.Text.Json.Serialization;
using System.Diagnostics.CodeAnalysis;
using Broadcast.Directory.V1;
using Broadcast.Shared.Stations;

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
    string Ingest,
    TitleView[] History)
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
        station.IngestId,
        [.. station.History.Reverse().Select(t => new TitleView(t.Title, t.Url, t.Started?.ToDateTimeOffset()))]);
}

/// <summary>One title of a station's history (newest first in views).</summary>
internal sealed record TitleView(string Title, string Url, DateTimeOffset? Started);

/// <summary>A provisioned station as the admin API shows it: never the password or its hash.</summary>
internal sealed record ProvisionedView(string Mount, string? Name, string? Description, string? Genre, string? Url, bool Public, DateTimeOffset Updated);

/// <summary>What the admin API takes to create or update a station; the password is required on creation.</summary>
internal sealed record ProvisionRequest(string? Password, string? Name, string? Description, string? Genre, string? Url, bool? Public);

/// <summary>A live edge as <c>/api/edges</c> shows it.</summary>
internal sealed record EdgeView(string Id, string Address, long Listeners, bool Draining);

/// <summary>The body of every error the directory's HTTP APIs answer.</summary>
/// <summary>What an operator command under <c>/api/admin</c> did: Icecast's message and the listeners it listed or acted on.</summary>
internal sealed record OperatorReply(string Message, string? Mount, IReadOnlyList<Broadcast.Shared.Control.ListenerInfo>? Listeners);

internal sealed record ApiError(string Error)
{
    public static IResult Result(int status, string message) => Results.Json(new ApiError(message), ApiJsonContext.Default.ApiError, statusCode: status);

    /// <summary>A route's <c>{**mount}</c> as a station, or the 400 to answer for it.</summary>
    public static bool TryMount(string route, [NotNullWhen(true)] out StationName? station, [NotNullWhen(false)] out IResult? problem)
    {
        problem = StationName.TryParse("/" + route, out station, out var error)
            ? null
            : Result(StatusCodes.Status400BadRequest, "not a mount: " + MountErrorText.Describe(error));
        return problem is null;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StationView))]
[JsonSerializable(typeof(StationView[]))]
[JsonSerializable(typeof(ProvisionedView))]
[JsonSerializable(typeof(ProvisionedView[]))]
[JsonSerializable(typeof(ProvisionRequest))]
[JsonSerializable(typeof(EdgeView[]))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(OperatorReply))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
