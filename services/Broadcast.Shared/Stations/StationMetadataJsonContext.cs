using System.Text.Json.Serialization;

namespace Broadcast.Shared.Stations;

/// <summary>Source-generated JSON for station metadata on NATS (reflection-free, trimming-safe).</summary>
[JsonSerializable(typeof(StationMetadata))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
public sealed partial class StationMetadataJsonContext : JsonSerializerContext;
