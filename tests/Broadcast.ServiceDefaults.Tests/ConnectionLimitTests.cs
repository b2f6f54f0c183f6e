namespace Broadcast.ServiceDefaults.Tests;

public sealed class ConnectionLimitTests
{
    private const string Limits = """
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max open files            20000                20000                files
        Max locked memory         8388608              8388608              bytes
        """;

    [Fact]
    public void FromProcLimits_ProxyAndDirect_LeavesTheReserveAndDividesByFilesPerConnection()
    {
        Assert.Equal(20000 - ConnectionLimit.ReservedFiles, ConnectionLimit.FromProcLimits(Limits, 1));
        Assert.Equal((20000 - ConnectionLimit.ReservedFiles) / 2, ConnectionLimit.FromProcLimits(Limits, 2));
    }

    [Theory]
    [InlineData("Max open files            unlimited            unlimited            files")]
    [InlineData("Max processes             1000                 1000                 processes")]
    [InlineData("")]
    public void FromProcLimits_UnlimitedOrAbsent_NoCap(string text) => Assert.Null(ConnectionLimit.FromProcLimits(text, 1));

    [Fact]
    public void FromProcLimits_TinyLimit_StillAllowsOneConnection() =>
        Assert.Equal(1, ConnectionLimit.FromProcLimits("Max open files            100                  100                  files", 2));
}
