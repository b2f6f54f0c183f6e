using System.Text.Json;
using System.Text.Json.Serialization;

namespace Broadcast.Directory.Store;

/// <summary>A station created through the admin API: its source password (hashed only) and default metadata.</summary>
internal sealed record ProvisionedStation(
    string Mount,
    string PasswordHash,
    string? Name,
    string? Description,
    string? Genre,
    string? Url,
    bool Public,
    DateTimeOffset Updated);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ProvisionedStation))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
