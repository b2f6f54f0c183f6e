using Broadcast.Directory.Store;

namespace Broadcast.Directory.Tests.Store;

/// <summary>Source passwords at rest: verifiable, salted, not the password, robust against broken records.</summary>
public sealed class PasswordHashTests
{
    [Fact]
    public void Verify_RightAndWrongPassword_OnlyTheRightOneMatches()
    {
        var stored = PasswordHash.Create("correct horse");

        Assert.True(PasswordHash.Verify("correct horse", stored));
        Assert.False(PasswordHash.Verify("correct hors", stored));
        Assert.False(PasswordHash.Verify(string.Empty, stored));
    }

    [Fact]
    public void Create_SamePasswordTwice_DifferentSaltsAndNeverThePassword()
    {
        var first = PasswordHash.Create("hackme");
        var second = PasswordHash.Create("hackme");

        Assert.NotEqual(first, second);
        Assert.DoesNotContain("hackme", first, StringComparison.Ordinal);
        Assert.StartsWith("pbkdf2-sha256$600000$", first, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain-text-password")]
    [InlineData("pbkdf2-sha256$600000$not-base64!$AAAA")]
    [InlineData("pbkdf2-sha256$0$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$99999999999$AAAA$AAAA")]
    [InlineData("md5$1$AAAA$AAAA")]
    public void Verify_MalformedRecord_FalseNotAnException(string stored) =>
        Assert.False(PasswordHash.Verify("anything", stored));
}
