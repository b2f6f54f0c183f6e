using System.Text;
using Broadcast.Shared.Stations;

namespace Broadcast.Shared.Tests.Stations;

public sealed class IcyMetadataBlockTests
{
    [Fact]
    public void Build_TitleAndUrl_IsIcecastsBlock()
    {
        var block = IcyMetadataBlock.Build("Artist - Title", "http://example.org/");

        var text = "StreamTitle='Artist - Title';StreamUrl='http://example.org/';";
        Assert.Equal((text.Length + 15) / 16, block[0]);
        Assert.Equal(1 + (block[0] * 16), block.Length);
        Assert.Equal(text, Encoding.UTF8.GetString(block, 1, block.Length - 1).TrimEnd('\0'));
    }

    [Fact]
    public void Empty_IsStreamTitleNothing_InOneUnit()
    {
        Assert.Equal(17, IcyMetadataBlock.Empty.Length);
        Assert.Equal("StreamTitle='';", Encoding.UTF8.GetString(IcyMetadataBlock.Empty, 1, 16).TrimEnd('\0'));
    }

    [Fact]
    public void Build_Huge_IsCappedAt255Units()
    {
        var block = IcyMetadataBlock.Build(new string('x', 10_000), string.Empty);

        Assert.Equal(255, block[0]);
        Assert.Equal(IcyMetadataBlock.MaxBlockBytes, block.Length);
    }
}
