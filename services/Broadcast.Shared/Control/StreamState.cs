using Broadcast.Shared.Stations;

namespace Broadcast.Shared.Control;

/// <summary>
/// Where a station's stream stands when one ingest hands it to another: the taker publishes the same session from
/// the next offset and sequence, with the same recent titles, so edges and listeners see one unbroken stream (offsets
/// stay monotonic for resume). <see cref="Holder"/> is the giver's lease token: the taker replaces exactly it.
/// </summary>
public sealed record StreamState(Guid SessionId, long Offset, long Sequence, IReadOnlyList<TitleChange> Titles, string Holder);
