using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;

namespace Broadcast.Shared.Tests.Stations;

public sealed class StationNameTests
{
    [Theory]
    [InlineData("/live", "live", "live")]
    [InlineData("/live.mp3", "live.mp3", "live_dmp3")]
    [InlineData("/radio-1.aac", "radio-1.aac", "radio-1_daac")]
    [InlineData("/jazz_hi.ogg", "jazz_hi.ogg", "jazz__hi_dogg")]
    [InlineData("/Stream", "Stream", "Stream")]
    public void TryParse_MountsEncodersUse_Accepted(string mount, string name, string token)
    {
        Assert.True(StationName.TryParse(mount, out var station, out var error));
        Assert.Equal(MountError.None, error);
        Assert.Equal(name, station.Name);
        Assert.Equal(mount, station.Mount);
        Assert.Equal(token, station.SubjectToken);
        Assert.Equal("broadcast.audio." + token, Subjects.Audio(station));
    }

    [Theory]
    [InlineData(null, MountError.Empty)]
    [InlineData("", MountError.Empty)]
    [InlineData("/", MountError.Empty)]
    [InlineData("live", MountError.MissingLeadingSlash)]
    [InlineData("/../etc/passwd", MountError.Traversal)]
    [InlineData("/..", MountError.Traversal)]
    [InlineData("/a..b", MountError.Traversal)]
    [InlineData("/a/b", MountError.NestedPath)]
    [InlineData("/a\\b", MountError.NestedPath)]
    [InlineData("//live", MountError.NestedPath)]
    [InlineData("/.hidden", MountError.LeadingDot)]
    [InlineData("/.", MountError.LeadingDot)]
    [InlineData("/live\n", MountError.ControlCharacter)]
    [InlineData("/live\0", MountError.ControlCharacter)]
    [InlineData("/live\u007f", MountError.ControlCharacter)]
    [InlineData("/live\u0085", MountError.Whitespace)]
    [InlineData("/li ve", MountError.Whitespace)]
    [InlineData("/live\u00a0", MountError.Whitespace)]
    [InlineData("/live*", MountError.Wildcard)]
    [InlineData("/broadcast.>", MountError.Wildcard)]
    [InlineData("/%2e%2e", MountError.InvalidCharacter)]
    [InlineData("/caf\u00e9", MountError.InvalidCharacter)]
    [InlineData("/live?x=1", MountError.InvalidCharacter)]
    [InlineData("/{tag}", MountError.InvalidCharacter)]
    public void TryParse_HostileOrMalformed_RejectedWithReason(string? mount, MountError expected)
    {
        Assert.False(StationName.TryParse(mount, out var station, out var error));
        Assert.Null(station);
        Assert.Equal(expected, error);
        Assert.False(string.IsNullOrWhiteSpace(MountErrorText.Describe(error)));
    }

    [Fact]
    public void TryParse_LengthLimit_IsExact()
    {
        Assert.True(StationName.TryParse("/" + new string('a', StationName.MaxLength), out _, out _));
        Assert.False(StationName.TryParse("/" + new string('a', StationName.MaxLength + 1), out _, out var error));
        Assert.Equal(MountError.TooLong, error);
    }

    [Fact]
    public void Parse_Invalid_ThrowsWithPrintableReason()
    {
        var exception = Assert.Throws<FormatException>(() => StationName.Parse("/bad\nname"));
        Assert.Contains("control character", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equals_IsCaseSensitive_LikeIcecastMounts()
    {
        var upper = StationName.Parse("/Stream");
        var lower = StationName.Parse("/stream");
        Assert.NotEqual(upper, lower);
        Assert.NotEqual(upper.SubjectToken, lower.SubjectToken);
        Assert.Equal(upper, StationName.Parse("/Stream"));
    }

    [Fact]
    public void SubjectToken_EveryShortNameOverEscapeAlphabet_NoCollisions()
    {
        // Exhaustive over the characters the escape code uses, so any ambiguity would show up here.
        const string alphabet = "a_.d-";
        var names = new List<string> { string.Empty };
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var length = 1; length <= 5; length++)
        {
            names = [.. names.SelectMany(prefix => alphabet.Select(c => prefix + c))];
            foreach (var name in names)
            {
                if (StationName.TryParse("/" + name, out var station, out _))
                {
                    Assert.True(tokens.TryAdd(station.SubjectToken, name), $"'{name}' and '{tokens.GetValueOrDefault(station.SubjectToken)}' collide");
                }
            }
        }

        Assert.True(tokens.Count > 1000);
    }

    [Fact]
    public void SubjectToken_ManyRandomNames_DistinctAndSafeForNats()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
        var random = new Random(20261124);
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        var accepted = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var chars = new char[random.Next(1, StationName.MaxLength + 1)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            var name = new string(chars);
            if (!StationName.TryParse("/" + name, out var station, out _))
            {
                continue;
            }

            accepted++;
            Assert.DoesNotContain(station.SubjectToken, c => c is '.' or '*' or '>' || char.IsWhiteSpace(c));
            if (tokens.TryGetValue(station.SubjectToken, out var other))
            {
                Assert.Equal(other, name);
            }

            tokens[station.SubjectToken] = name;
            Assert.Equal(station.SubjectToken, station.KeyFragment);
        }

        Assert.True(accepted > 90_000);
    }
}
