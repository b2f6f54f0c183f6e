using Broadcast.Shared.Codecs;
using Broadcast.Testing;

namespace Broadcast.Shared.Tests.Codecs;

public sealed class OggCommentsTests
{
    [Theory]
    [InlineData("libvorbis")]
    [InlineData("libopus")]
    public async Task TryReadTitle_TaggedChain_IsArtistDashTitle(string encoder)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tagged-{Guid.NewGuid():N}.ogg");
        await ExternalTool.RunAsync("ffmpeg", ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", encoder, "-metadata", "artist=Ünïcode Artist", "-metadata", "title=Song", path], TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(OggComments.TryReadTitle(HeaderPages(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken)), out var title));

        Assert.Equal("Ünïcode Artist - Song", title);
    }

    [Fact]
    public void TryReadTitle_UntaggedChain_IsFalse()
    {
        Assert.False(OggComments.TryReadTitle(HeaderPages(Fixture.Read("vorbis.ogg")), out _));
    }

    [Fact]
    public void TryReadTitle_GarbageOrTruncated_IsFalseAndNeverThrows()
    {
        var pages = HeaderPages(Fixture.Read("vorbis.ogg"));
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var cut = pages[..random.Next(pages.Length)];
            var noisy = cut.ToArray();
            if (noisy.Length > 40)
            {
                noisy[random.Next(28, noisy.Length)] ^= (byte)random.Next(1, 255);
            }

            OggComments.TryReadTitle(noisy, out _);
        }

        Assert.False(OggComments.TryReadTitle("OggS\0\0garbage"u8, out _));
    }

    private static byte[] HeaderPages(byte[] stream) =>
        [.. FramerRun.Whole(new OggPageFramer(), stream).Where(f => f.Kind == FrameKind.OggHeader).SelectMany(f => f.Data)];
}
