using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Reclaim;

namespace ZoneLab.Tests.Reclaim;

/// <summary>
/// skip_cma in isolate_lru_folios (5da226dbfce3, v6.5; reverted by bfe0857c20c6 after v6.10), the "explicit check
/// for the pageblock migrate type" of seed question Z18: direct reclaim for a request without __GFP_MOVABLE skips
/// folios in MIGRATE_CMA pageblocks; 6.1 and 6.12 reclaim them.
/// </summary>
public class SkipCmaTests
{
    // One zone DMA32 [4096, 12288), the upper half [8192, 12288) a CMA area.
    private static (Machine M, ReclaimModel R, List<ulong> Cma, List<ulong> Low) Setup(KernelVersion v)
    {
        var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 12288)])
        {
            Version = v,
            Cma = [new PfnRange(8192, 12288)],
            DebugChecks = true,
        });
        var r = new ReclaimModel(m);
        // 100 unmovable kernel pages first: then free CMA (4096) exceeds half the free pages, so the prefer-CMA rule of
        // __rmqueue serves the next movable requests from CMA (4096 − k > (8092 − k) / 2 while k < 100)
        for (int k = 0; k < 100; k++)
        {
            Assert.True(m.Allocate(0, Gfp.Kernel, 0, PageUse.Kernel).Success);
        }

        // the 40 oldest LRU pages (page cache of GFP_HIGHUSER_MOVABLE) in CMA, then 40 GFP_USER ones outside it
        var cma = Enumerable.Range(0, 40).Select(_ => m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.File).Pfn).ToList();
        var low = Enumerable.Range(0, 40).Select(_ => m.Allocate(0, Gfp.User, 0, PageUse.File).Pfn).ToList();
        Assert.All(cma, p => Assert.True(p >= 8192));
        Assert.All(low, p => Assert.True(p < 8192));
        return (m, r, cma, low);
    }

    [Fact]
    public void Kernel66DirectReclaimForGfpKernelSkipsCmaFolios()
    {
        (Machine m, ReclaimModel r, List<ulong> cma, List<ulong> low) = Setup(KernelVersion.V6_6);
        // priority 12: nr_to_scan = max(80 >> 12, 32) = 32; from the tail the 40 CMA folios are skipped (pgskip 40,
        // not counted in scan), then the 32 oldest GFP_USER folios are reclaimed; none of the CMA folios is freed
        long got = r.DirectReclaim(m, 0, 0, Gfp.Kernel, (int)ZoneType.Normal);
        Assert.Equal(32, got);
        Assert.Equal(40, r.ZoneStats.Skipped[(int)ZoneType.Dma32]);
        Assert.Equal(72, m.Event(VmEvent.PgscanDirect));
        Assert.Equal(low[32], m.PfnAt(m.LruTailIndex(0, LruList.InactiveFile)));
        // the skipped folios were spliced to the head in order: from the tail low[32..39], then cma[0..39]
        var fromTail = new List<ulong>();
        for (int i = m.LruTailIndex(0, LruList.InactiveFile); i != Machine.Nil; i = m.LruPrevIndex(i))
        {
            fromTail.Add(m.PfnAt(i));
        }

        Assert.Equal(low.Skip(32).Concat(cma), fromTail);
    }

    [Theory]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_12)]
    public void OtherKernelsReclaimTheOldestCmaFolios(KernelVersion v)
    {
        (Machine m, ReclaimModel r, List<ulong> cma, _) = Setup(v);
        // no skip: the 32 oldest folios are the first 32 CMA ones
        Assert.Equal(32, r.DirectReclaim(m, 0, 0, Gfp.Kernel, (int)ZoneType.Normal));
        Assert.Equal(0, r.ZoneStats.Skipped.Sum());
        Assert.Equal(cma[32], m.PfnAt(m.LruTailIndex(0, LruList.InactiveFile)));
    }

    [Fact]
    public void Kernel66MovableRequestAndKswapdDoNotSkip()
    {
        // a GFP_HIGHUSER_MOVABLE reclaim has gfp_migratetype MIGRATE_MOVABLE: the 32 oldest (CMA) folios go
        (Machine m, ReclaimModel r, List<ulong> cma, _) = Setup(KernelVersion.V6_6);
        Assert.Equal(32, r.DirectReclaim(m, 0, 0, Gfp.HighUserMovable, (int)ZoneType.Movable));
        Assert.Equal(0, r.ZoneStats.Skipped.Sum());
        Assert.Equal(cma[32], m.PfnAt(m.LruTailIndex(0, LruList.InactiveFile)));
    }

    [Theory]
    [InlineData("6.4", KernelVersion.V6_1)]
    [InlineData("6.5", KernelVersion.V6_6)]
    [InlineData("6.10.3", KernelVersion.V6_6)]
    [InlineData("6.11", KernelVersion.V6_1)]
    [InlineData("6.12", KernelVersion.V6_12)]
    public void VersionsWithSkipCmaParseTo66(string text, KernelVersion v) => Assert.Equal(v, KernelVersions.Parse(text));
}
