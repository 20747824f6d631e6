namespace ZoneLab.Tests.Cli;

/// <summary>
/// The text layout's footer for a ZONE_MOVABLE that only the design populated (arm64 virt 4 GiB,
/// <c>cma=64M@0x80000000</c>: 64 MiB = 16,384 pages re-linked to ZONE_MOVABLE by both designs).
/// </summary>
public class MovableZoneFooterTests
{
    [Theory]
    [InlineData("cma-in-movable", "node 0: ZONE_MOVABLE holds only CMA areas re-linked from the zones they lie in (16,384 pages)")]
    [InlineData("dmb", "node 0: ZONE_MOVABLE holds only Designated Movable Blocks (16,384 pages)")]
    public void TheFooterNamesWhatTheDesignPutInZoneMovable(string design, string line)
    {
        var (exit, stdout, _) = ZonelabProcess.Run("layout", "--arch", "arm64", "--mem", "4G", "--design", design, "--", "cma=64M@0x80000000");
        Assert.Equal(0, exit);
        Assert.Contains(line, stdout);
        Assert.DoesNotContain(design == "dmb" ? "CMA areas re-linked" : "Designated Movable Blocks", stdout);
    }
}
