using ZoneLab.Allocator;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Procfs;

/// <summary>The snapshot readers on the real files of the x86 guest (values read off the files by eye).</summary>
public class SnapshotReaderTests
{
    private static string File(string name) => FixturePath.Get("snapshot", "x86_64-6.1-512M", "s2", name);

    [Fact]
    public void PagetypeinfoOfDebianAmd64HasNoCmaColumn()
    {
        PagetypeinfoFile p = PagetypeinfoReader.Read(File("pagetypeinfo"), "pagetypeinfo");
        Assert.Equal([MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable, MigrateType.HighAtomic, MigrateType.Isolate], p.Types);
        PagetypeinfoZone dma32 = p.Zones.Single(z => z.Zone == "DMA32");
        // "Node    0, zone    DMA32, type      Movable   4019   1394    704    704    237      7      7      5      7      7     43"
        Assert.Equal(4019, dma32.Free[(int)MigrateType.Movable, 0]);
        Assert.Equal(43, dma32.Free[(int)MigrateType.Movable, 10]);
        // "Node 0, zone    DMA32           25          215            8            0            0"
        Assert.NotNull(dma32.Blocks);
        Assert.Equal([25L, 215, 8, 0, 0, 0], dma32.Blocks);
        Assert.Equal(11, dma32.FreeLine[(int)MigrateType.Movable]);
        Assert.Equal(18, dma32.BlocksLine);
    }

    [Fact]
    public void CappedCountIsFlagged()
    {
        string[] lines = System.IO.File.ReadAllLines(File("pagetypeinfo"));
        lines[10] = lines[10].Replace("   4019", " >100000", StringComparison.Ordinal);
        PagetypeinfoZone dma32 = PagetypeinfoReader.Parse(lines, "p").Zones.Single(z => z.Zone == "DMA32");
        Assert.True(dma32.Capped[(int)MigrateType.Movable, 0]);
        Assert.Equal(100000, dma32.Free[(int)MigrateType.Movable, 0]);
    }

    [Fact]
    public void BuddyinfoMeminfoAndVmstat()
    {
        IReadOnlyList<BuddyinfoZone> b = BuddyinfoReader.Read(File("buddyinfo"), "buddyinfo");
        Assert.Equal(2, b.Count);
        Assert.Equal([4026L, 1397, 712, 709, 239, 8, 9, 6, 7, 7, 43], b[1].NrFree);
        MeminfoFile m = MeminfoReader.Read(File("meminfo"), "meminfo");
        Assert.Equal(468416 / 4, m.Pages("MemTotal"));
        Assert.Equal(111716, m.Kb("Shmem"));
        IReadOnlyDictionary<string, long> v = VmstatReader.Read(File("vmstat"), "vmstat");
        Assert.Equal(295920 / 4, v["nr_free_pages"]);
    }
}
