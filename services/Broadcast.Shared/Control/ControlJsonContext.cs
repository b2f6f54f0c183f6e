using System.Text.Json.Serialization;

namespace Broadcast.Shared.Control;

/// <summary>Source-generated JSON for control commands on NATS.</summary>
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlReply))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
public sealed partial class ControlJsonContext : JsonSerializerContext;
