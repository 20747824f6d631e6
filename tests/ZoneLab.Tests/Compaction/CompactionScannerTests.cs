using ZoneLab.Allocator;
using ZoneLab.Compaction;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Compaction;

/// <summary>The compaction scanners' walk and counters against mm/compaction.c (6.1), derived by hand.</summary>
public class CompactionScannerTests
{
    // DMA32 [4096, 16384) (24 pageblocks) filled with movable order-0 page cache (__GFP_MEMALLOC ignores the
    // watermarks), then every even pfn freed: each pageblock holds 256 allocated LRU pages and 256 free order-0 pages.
    private static Machine HalfFreeDma32()
    {
        var m = new Machine(new MachineSpec([MachineSpec.Zone(0, ZoneLab.Layout.ZoneType.Dma32, 4096, 16384)]));
        var pages = new List<ulong>();
        AllocResult r;
        while ((r = m.Allocate(0, Gfp.HighUserMovable | GfpFlags.Memalloc, use: PageUse.File)).Success)
        {
            pages.Add(r.Pfn);
        }

        Assert.Equal(12288, pages.Count);
        foreach (ulong p in pages.Where(p => (p & 1) == 0))
        {
            m.Free(p, 0);
        }

        return m;
    }

    [Fact]
    public void KcompactdScansAreCountedInBothTheGeneralAndTheDaemonCounters()
    {
        // compact_zone adds cc->total_migrate_scanned to COMPACTMIGRATE_SCANNED whoever called it;
        // kcompactd_do_work then adds the same totals to KCOMPACTD_MIGRATE_SCANNED / KCOMPACTD_FREE_SCANNED.
        Machine m = HalfFreeDma32();
        var c = new Compactor(m);
        c.Kcompactd(0, 3, 1);
        Assert.Equal(1, m.Event(VmEvent.CompactDaemonWake));
        Assert.True(m.Event(VmEvent.CompactDaemonMigrateScanned) > 0);
        Assert.Equal(m.Event(VmEvent.CompactDaemonMigrateScanned), m.Event(VmEvent.CompactMigrateScanned));
        Assert.Equal(m.Event(VmEvent.CompactDaemonFreeScanned), m.Event(VmEvent.CompactFreeScanned));
        InvariantChecker.Check(m);
    }
}
