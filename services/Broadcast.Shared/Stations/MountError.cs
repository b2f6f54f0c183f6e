namespace Broadcast.Shared.Stations;

/// <summary>Why a mount path was refused. Each value has a sentence in <see cref="MountErrorText"/>.</summary>
public enum MountError
{
    None = 0,
    Empty,
    MissingLeadingSlash,
    TooLong,
    NestedPath,
    Traversal,
    LeadingDot,
    ControlCharacter,
    Whitespace,
    Wildcard,
    InvalidCharacter,
}
