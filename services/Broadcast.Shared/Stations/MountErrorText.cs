namespace Broadcast.Shared.Stations;

/// <summary>The human sentence for each <see cref="MountError"/>, for HTTP error bodies and logs.</summary>
public static class MountErrorText
{
    public static string Describe(MountError error) => error switch
    {
        MountError.None => "valid mount",
        MountError.Empty => "mount is empty",
        MountError.MissingLeadingSlash => "mount must start with '/'",
        MountError.TooLong => $"mount name is longer than {StationName.MaxLength} characters",
        MountError.NestedPath => "mount must be a single path segment such as /live.mp3",
        MountError.Traversal => "mount must not contain '..' (path traversal)",
        MountError.LeadingDot => "mount name must not start with '.'",
        MountError.ControlCharacter => "mount contains a control character",
        MountError.Whitespace => "mount contains white space",
        MountError.Wildcard => "mount contains a wildcard character ('*' or '>')",
        MountError.InvalidCharacter => "mount may contain only letters A-Z a-z, digits, '.', '-' and '_'",
        _ => "invalid mount",
    };
}
