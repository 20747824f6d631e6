using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Procfs;

/// <summary>
/// The one zoneinfo reader: the header view (<see cref="ZoneinfoReader.Read"/>) and the typed view
/// (<see cref="ZoneinfoReader.Parse"/>) of the same text, and the located errors each one keeps.
/// </summary>
public class ZoneinfoReaderTests
{
    private static string X86 => FixturePath.Get("x86_64-6.1", "x01-pc-2g-plain", "zoneinfo.txt");

    [Fact]
    public void BothViewsReadTheRealFileAlike()
    {
        IReadOnlyList<ZoneinfoHeader> headers = ZoneinfoReader.ReadFile(X86);
        IReadOnlyList<ZoneinfoZone> zones = ZoneinfoReader.ParseFile(X86);

        // The file (read off by eye): five zones of node 0, DMA at line 1 and DMA32 at line 81;
        // DMA "spanned 4095", "present 3998", "managed 3840", "protection: (0, 1943, 1943, 1943, 1943)".
        Assert.Equal(5, headers.Count);
        Assert.Equal(5, zones.Count);
        Assert.Equal(5, ZoneinfoReader.MaxNrZones(zones));
        Assert.Equal([1, 81], headers.Take(2).Select(h => h.Line));
        Assert.Equal(("DMA", 4095UL, 3998UL, 3840UL), (headers[0].Zone, headers[0].Spanned, headers[0].Present, headers[0].Managed));
        Assert.Equal((ZoneType.Dma, 4095UL, 3998UL, 3840UL), (zones[0].Type, zones[0].Spanned, zones[0].Present, zones[0].Managed));
        Assert.Equal([0UL, 1943, 1943, 1943, 1943], zones[0].Protection);
    }

    [Fact]
    public void TheTypedViewKeepsTheHeaderViewsErrors()
    {
        // A zone without its 'managed' line: the typed view used to read it as 0 managed pages.
        string text = "Node 0, zone      DMA\n  pages free     3\n        spanned  4095\n        present  3998\n";
        ZoneLabInputException e = Assert.Throws<ZoneLabInputException>(() => ZoneinfoReader.Parse(text, "zi.txt"));
        Assert.Equal("zi.txt:1: zone has no 'managed' line; expected /proc/zoneinfo text", e.Message);
    }

    [Fact]
    public void TheTypedViewKeepsItsOwnChecks()
    {
        // The header view accepts a node listing only DMA32 and Normal; zoneinfo_show() prints every zone (3 to 6).
        string text = "Node 0, zone    DMA32\n        spanned  1\n        present  1\n        managed  1\n"
            + "Node 0, zone   Normal\n        spanned  1\n        present  1\n        managed  1\n";
        Assert.Equal(2, ZoneinfoReader.Read(text.Split('\n'), "zi.txt").Count);
        ZoneLabInputException e = Assert.Throws<ZoneLabInputException>(() => ZoneinfoReader.Parse(text, "zi.txt"));
        Assert.StartsWith("zi.txt:1: node 0 lists 2 zones", e.Message);
    }
}
