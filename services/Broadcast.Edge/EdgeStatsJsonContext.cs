using System.Text.Json.Serialization;

namespace Broadcast.Edge;

[JsonSerializable(typeof(EdgeStats))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class EdgeStatsJsonContext : JsonSerializerContext;
