using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// Differential tests against Debian's stock 6.1 arm64 kernel booted under QEMU virt (Fixtures/arm64-6.1): the model
/// given the same RAM, NUMA split, device tree and command line must reproduce /proc/zoneinfo's zone geometry,
/// the kernel's zone, reserved-memory, NUMA and CMA lines byte for byte, the memory blocks, and the CMA areas.
/// </summary>
public class Arm64DifferentialTests
{
    [Fact]
    public void ElevenBootsAreRecorded()
    {
        Assert.True(Arm64Fixture.All().Count() >= 11);
    }

    [Theory]
    [MemberData(nameof(Arm64Fixture.Names), MemberType = typeof(Arm64Fixture))]
    public void ZonesMatchRealZoneinfo(string name)
    {
        Arm64Fixture f = Arm64Fixture.Get(name);
        BootLayout layout = f.Layout();
        IReadOnlyList<ZoneinfoHeader> real = ZoneinfoReader.ReadFile(f.File_("zoneinfo.txt"));
        var model = layout.AllZones.ToList();
        Assert.Equal(real.Select(r => (r.Node, r.Zone)), model.Select(m => (m.Nid, m.Name)));
        for (int i = 0; i < real.Count; i++)
        {
            string where = $"node {real[i].Node} zone {real[i].Zone}";
            Assert.True(real[i].Spanned == model[i].Spanned, $"{where}: spanned real {real[i].Spanned} model {model[i].Spanned}");
            Assert.True(real[i].Present == model[i].Present, $"{where}: present real {real[i].Present} model {model[i].Present}");
            if (real[i].StartPfn is ulong sp)
            {
                Assert.True(sp == model[i].StartPfn, $"{where}: start_pfn real {sp} model {model[i].StartPfn}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Arm64Fixture.Names), MemberType = typeof(Arm64Fixture))]
    public void DmesgZoneLinesAreByteForByte(string name)
    {
        Arm64Fixture f = Arm64Fixture.Get(name);
        string model = LayoutDmesgWriter.Write(f.Layout());
        var modelZoneLines = model.Split('\n').SkipWhile(l => l != "Zone ranges:").Where(Arm64Fixture.IsZoneLine);
        Assert.Equal(string.Join('\n', f.RealZoneLines()), string.Join('\n', modelZoneLines));
    }

    [Theory]
    [MemberData(nameof(Arm64Fixture.Names), MemberType = typeof(Arm64Fixture))]
    public void EveryModelledKernelLineIsByteForByte(string name)
    {
        // Machine model, reserved-memory, NUMA (incl. NODE_DATA addresses), hugetlb_cma, zone and CMA lines
        Arm64Fixture f = Arm64Fixture.Get(name);
        string model = LayoutDmesgWriter.Write(f.Layout());
        Assert.Equal(string.Join('\n', f.RealModelledLines()) + "\n", model);
    }

    [Theory]
    [MemberData(nameof(Arm64Fixture.Names), MemberType = typeof(Arm64Fixture))]
    public void MemoryBlocksMatch(string name)
    {
        Arm64Fixture f = Arm64Fixture.Get(name);
        BootLayout layout = f.Layout();
        Dictionary<ulong, (int Node, string ValidZones)> real = f.RealMemoryBlocks();
        Assert.Equal(real.Keys.OrderBy(k => k), layout.MemoryBlocks.Select(b => b.Index));
        foreach (MemoryBlock b in layout.MemoryBlocks)
        {
            Assert.True(real[b.Index] == (b.Node, b.ValidZones), $"memory{b.Index}: real node {real[b.Index].Node} {real[b.Index].ValidZones}, model node {b.Node} {b.ValidZones}");
        }
    }

    [Theory]
    [MemberData(nameof(Arm64Fixture.Names), MemberType = typeof(Arm64Fixture))]
    public void CmaAreasHaveTheRealBasesSizesAndZoneCounts(string name)
    {
        Arm64Fixture f = Arm64Fixture.Get(name);
        BootLayout layout = f.Layout();
        Assert.Equal(f.RealCmaDeclarations(), layout.CmaAreas.Select(a => (a.Base, a.Size >> 20)));
        foreach (ZoneinfoHeader z in ZoneinfoReader.ReadFile(f.File_("zoneinfo.txt")))
        {
            ZoneLayout m = layout.Node(z.Node)!.Zones.Single(x => x.Name == z.Zone);
            Assert.True(z.Cma == m.CmaPages, $"node {z.Node} zone {z.Zone}: cma real {z.Cma} model {m.CmaPages}");
        }
    }

    [Theory]
    [MemberData(nameof(Arm64Fixture.Names), MemberType = typeof(Arm64Fixture))]
    public void ManagedEstimateIsWithinSixtyFourPages(string name)
    {
        // The estimate places the later memblock allocations (percpu, dentry/inode hashes, swiotlb and its slot
        // array) with the same allocator and gives back CMA, the initrd and the init sections (docs/managed-estimate.md).
        Arm64Fixture f = Arm64Fixture.Get(name);
        BootLayout layout = f.Layout();
        foreach (ZoneinfoHeader z in ZoneinfoReader.ReadFile(f.File_("zoneinfo.txt")))
        {
            ZoneLayout m = layout.Node(z.Node)!.Zones.Single(x => x.Name == z.Zone);
            long diff = (long)m.Managed - (long)z.Managed;
            Assert.True(Math.Abs(diff) <= 64, $"node {z.Node} zone {z.Zone}: estimate {m.Managed} vs real {z.Managed} ({diff:+#;-#;0} pages)");
        }
    }

    [Theory]
    [MemberData(nameof(Arm64Fixture.Names), MemberType = typeof(Arm64Fixture))]
    public void TheRealZoneinfoGivesManagedExactly(string name)
    {
        Arm64Fixture f = Arm64Fixture.Get(name);
        BootLayout layout = f.Layout(withZoneinfo: true);
        foreach (ZoneinfoHeader z in ZoneinfoReader.ReadFile(f.File_("zoneinfo.txt")))
        {
            Assert.Equal(z.Managed, layout.Node(z.Node)!.Zones.Single(x => x.Name == z.Zone).Managed);
        }
    }
}
