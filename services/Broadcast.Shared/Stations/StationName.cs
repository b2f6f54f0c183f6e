using System.Diagnostics.CodeAnalysis;

namespace Broadcast.Shared.Stations;

/// <summary>
/// A validated station, named by the mount encoders and players use (<c>/live.mp3</c>).
/// </summary>
/// <remarks>
/// Rules, chosen so every mount that real encoders use works and every name maps safely onto a NATS
/// subject token and a Redis key fragment:
/// <list type="bullet">
/// <item>a leading <c>/</c> then one path segment of 1 to <see cref="MaxLength"/> characters;</item>
/// <item>characters <c>A-Z a-z 0-9 . - _</c> only (no percent-encoding, no unicode look-alikes);</item>
/// <item>the name may not start with <c>.</c> (no <c>.</c>, <c>..</c> or hidden names);</item>
/// <item>case-sensitive, like Icecast mounts and URL paths: <c>/Stream</c> and <c>/stream</c> are two stations.</item>
/// </list>
/// The NATS token escapes the two characters NATS cannot carry safely in a token, with <c>_</c> as
/// the escape: <c>_</c> becomes <c>__</c> and <c>.</c> becomes <c>_d</c>. That code is prefix-free, so
/// distinct names always give distinct tokens (a property test checks it over generated names).
/// </remarks>
public sealed class StationName : IEquatable<StationName>
{
    /// <summary>Longest name after the slash. Icecast has no limit; 64 keeps subjects and keys short.</summary>
    public const int MaxLength = 64;

    private StationName(string name)
    {
        Name = name;
        Mount = "/" + name;
        SubjectToken = EscapeForSubject(name);
    }

    /// <summary>The name without the slash, e.g. <c>live.mp3</c>.</summary>
    public string Name { get; }

    /// <summary>The mount as encoders and listeners write it, e.g. <c>/live.mp3</c>.</summary>
    public string Mount { get; }

    /// <summary>One NATS subject token (no <c>.</c>, <c>*</c>, <c>&gt;</c> or white space), e.g. <c>live_dmp3</c>.</summary>
    public string SubjectToken { get; }

    /// <summary>The fragment used in Redis keys; the same escaped form, so keys never collide either.</summary>
    public string KeyFragment => SubjectToken;

    public static StationName Parse(string mount) =>
        TryParse(mount, out var station, out var error)
            ? station
            : throw new FormatException($"'{Printable(mount)}': {MountErrorText.Describe(error)}");

    public static bool TryParse(string? mount, [NotNullWhen(true)] out StationName? station, out MountError error)
    {
        station = null;
        error = Validate(mount);
        if (error != MountError.None)
        {
            return false;
        }

        station = new StationName(mount![1..]);
        return true;
    }

    /// <summary>Checks a mount without creating anything; returns <see cref="MountError.None"/> when valid.</summary>
    public static MountError Validate(ReadOnlySpan<char> mount)
    {
        if (mount.IsEmpty)
        {
            return MountError.Empty;
        }

        if (mount[0] != '/')
        {
            return MountError.MissingLeadingSlash;
        }

        var name = mount[1..];
        if (name.IsEmpty)
        {
            return MountError.Empty;
        }

        // Traversal and nesting are reported before character classes: they are what an attacker means.
        if (name.Contains("..", StringComparison.Ordinal))
        {
            return MountError.Traversal;
        }

        foreach (var c in name)
        {
            var error = Classify(c);
            if (error != MountError.None)
            {
                return error;
            }
        }

        if (name[0] == '.')
        {
            return MountError.LeadingDot;
        }

        return name.Length > MaxLength ? MountError.TooLong : MountError.None;
    }

    private static MountError Classify(char c) => c switch
    {
        >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '.' or '-' or '_' => MountError.None,
        '/' or '\\' => MountError.NestedPath,
        '*' or '>' => MountError.Wildcard,
        < ' ' or '\u007f' => MountError.ControlCharacter,
        _ when char.IsWhiteSpace(c) => MountError.Whitespace,
        _ when char.IsControl(c) => MountError.ControlCharacter,
        _ => MountError.InvalidCharacter,
    };

    private static string EscapeForSubject(string name)
    {
        if (!name.Contains('.', StringComparison.Ordinal) && !name.Contains('_', StringComparison.Ordinal))
        {
            return name;
        }

        return string.Create(name.Length + CountEscapes(name), name, static (destination, source) =>
        {
            var i = 0;
            foreach (var c in source)
            {
                if (c == '_')
                {
                    destination[i++] = '_';
                    destination[i++] = '_';
                }
                else if (c == '.')
                {
                    destination[i++] = '_';
                    destination[i++] = 'd';
                }
                else
                {
                    destination[i++] = c;
                }
            }
        });
    }

    private static int CountEscapes(string name)
    {
        var count = 0;
        foreach (var c in name)
        {
            if (c is '_' or '.')
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>A mount fit for a log line or error body: control characters shown as <c>?</c>, length capped.</summary>
    public static string Printable(string? mount)
    {
        if (mount is null)
        {
            return string.Empty;
        }

        var shown = mount.Length > MaxLength + 1 ? mount[..(MaxLength + 1)] + "…" : mount;
        return string.Create(shown.Length, shown, static (destination, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                destination[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }

    public bool Equals(StationName? other) => other is not null && string.Equals(Name, other.Name, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as StationName);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    public override string ToString() => Mount;
}
