using Microsoft.Extensions.Options;

namespace Broadcast.Edge;

/// <summary>This edge's name in the directory and in admin replies: <see cref="EdgeOptions.EdgeId"/>, else host name and a random suffix.</summary>
internal sealed class EdgeIdentity(IOptions<EdgeOptions> options)
{
    public string Id { get; } = string.IsNullOrEmpty(options.Value.EdgeId) ? $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..6]}" : options.Value.EdgeId;
}
