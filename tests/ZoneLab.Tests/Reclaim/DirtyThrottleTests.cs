using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Reclaim;

namespace ZoneLab.Tests.Reclaim;

/// <summary>
/// balance_dirty_pages and background writeback (6.1 mm/page-writeback.c, fs/fs-writeback.c) as DirtyThrottle models
/// them, every figure derived by hand from the kernel's formulas.
/// </summary>
public class DirtyThrottleTests
{
    private const double PageNs = 1_000, DeviceNs = 20_000;

    // one zone, DMA32 [4096, 4096 + 16384): 64 MiB, all free. Its watermarks (__setup_per_zone_wmarks, 6.1):
    // min_free_kbytes = int_sqrt(65536 KiB × 16) = 1024 → min = 256 pages; low = min + max(min / 4, 16384 × 10 / 10000)
    // = 320; high = min + 2 × 64 = 384; calculate_totalreserve_pages: min(managed, high + lowmem_reserve 0) = 384.
    private static Machine Empty() => new(new MachineSpec([MachineSpec.Zone(0, ZoneType.Dma32, 4096, 4096 + 16384)]) { DebugChecks = true });

    [Fact]
    public void TheThresholdsAreTheKernelsRatiosOfTheDirtyableMemory()
    {
        // global_dirtyable_memory = free − min(free, totalreserve) + file LRU + 1 = 16384 − 384 + 0 + 1 = 16001;
        // domain_dirty_limits: ratio = 20 × 4096 / 100 = 819, bg_ratio = 10 × 4096 / 100 = 409 (per PAGE_SIZE),
        // thresh = 819 × 16001 / 4096 = 3199 (3199.9), bg_thresh = 409 × 16001 / 4096 = 1597 (1597.7);
        // dirty_freerun_ceiling = (3199 + 1597) / 2 = 2398.
        Machine m = Empty();
        Assert.Equal(384UL, m.WatermarkCalculator.TotalReservePages);
        var wb = new DirtyThrottle(m, DeviceNs);
        Assert.Equal((3199L, 1597L), wb.Limits());
        Assert.Equal(2398, DirtyThrottle.FreerunCeiling(3199, 1597));

        // a page-cache page moves a page from free to the file LRU: the dirtyable memory does not change
        AllocResult a = m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.FileDirty);
        Assert.True(a.Success);
        Assert.Equal((3199L, 1597L), wb.Limits());

        // an anonymous page is not dirtyable: free 16382 with both pages, 16382 − 384 + 1 (the file page) + 1 = 16000
        // → thresh 819 × 16000 / 4096 = 3199 (3199.2), bg 409 × 16000 / 4096 = 1597 (1597.7); with 2000 more
        // anonymous pages 14382 − 384 + 1 + 1 = 14000 → thresh 2799 (2799.3), bg 1397 (1397.9)
        Assert.True(m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.Anon).Success);
        Assert.Equal((3199L, 1597L), wb.Limits());
        for (int i = 0; i < 2000; i++)
        {
            Assert.True(m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.Anon).Success);
        }
        Assert.Equal((2799L, 1397L), wb.Limits());
        InvariantChecker.Check(m);
    }

    [Fact]
    public void AWriterRunsFreeUpToTheFreerunCeilingThenAtTheDevicesRate()
    {
        // One page dirtied per µs (page n at n µs). Page 1598 takes the dirty pages over bg_thresh 1597: background
        // writeback starts, its first page done at 1598 + 20 = 1618 µs, then one every 20 µs. At page n the device has
        // written floor((n − 1598) / 20) pages: dirty = n − that. Page 2440: 42 written, 2398 dirty = the ceiling, no
        // pause; page 2441: 42 written, 2399 dirty → paused until the 43rd write, at 1598 + 43 × 20 = 2458 µs: 17 µs.
        // (that write is seen by the next call). From then on each page finds the ceiling just reached and waits for
        // the next write: page 2442 at 2459 µs (43 written, 2399 dirty) → 19 µs, and so on.
        Machine m = Empty();
        var wb = new DirtyThrottle(m, DeviceNs);
        double now = 0;
        double firstPause = 0;
        int firstPausedPage = 0;
        for (int n = 1; n <= 2441; n++)
        {
            now += PageNs;
            AllocResult a = m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.FileDirty);
            wb.Dirtied(a.Pfn);
            double p = wb.Balance(now);
            if (p > 0 && firstPausedPage == 0)
            {
                (firstPausedPage, firstPause) = (n, p);
            }
            now += p;
        }
        Assert.Equal(2441, firstPausedPage);
        Assert.Equal(17_000, firstPause, 6);
        Assert.Equal(42, wb.Written);
        Assert.Equal(2458_000, now, 6);

        // 100 more pages at the device's pace: each waits 19 µs after its 1 µs of copying
        for (int n = 0; n < 100; n++)
        {
            now += PageNs;
            AllocResult a = m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.FileDirty);
            wb.Dirtied(a.Pfn);
            double p = wb.Balance(now);
            Assert.Equal(19_000, p, 6);
            now += p;
        }
        // 2541 pages dirtied by 4458 µs, 142 written when the last one paused, 143 at its end: 2398 dirty
        Assert.Equal(142, wb.Written);
        Assert.Equal(2399, wb.DirtyPages());
        Assert.Equal(101, wb.Pauses);
        Assert.Equal(4458_000, now, 6);
        wb.Complete(now);
        Assert.Equal(143, wb.Written);
        Assert.Equal(2398, wb.DirtyPages());
        InvariantChecker.Check(m);
    }

    [Fact]
    public void BackgroundWritebackStopsAtTheBackgroundThresholdAndAnFsyncWritesTheRest()
    {
        // 2000 pages dirtied at t = 0 (under the ceiling 2398, no pause): writeback starts at the 1598th; the
        // flusher then writes while more than bg_thresh 1597 are dirty (wb_over_bg_thresh): 2000 − 1597 = 403 pages
        // by 20 × 403 = 8060 µs, and stops: at 1 s still 403 written, 1597 dirty.
        Machine m = Empty();
        var wb = new DirtyThrottle(m, DeviceNs);
        for (int n = 0; n < 2000; n++)
        {
            AllocResult a = m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.FileDirty);
            wb.Dirtied(a.Pfn);
            Assert.Equal(0, wb.Balance(0));
        }
        wb.Complete(8_040_000);
        Assert.Equal(402, wb.Written);
        Assert.True(wb.Writing);
        wb.Complete(1e9);
        Assert.Equal(403, wb.Written);
        Assert.Equal(1597, wb.DirtyPages());
        Assert.False(wb.Writing);
        Assert.Equal(1597, m.UsePages(0, PageUse.FileDirty));
        Assert.Equal(403, m.UsePages(0, PageUse.File));

        // fsync at 1 s: the device starts again and the caller waits for all 1597: 1597 × 20 µs = 31.94 ms
        double wait = wb.Sync(1e9);
        Assert.Equal(31_940_000, wait, 3);
        wb.Complete(1e9 + wait);
        Assert.Equal(0, wb.DirtyPages());
        Assert.Equal(2000, wb.Written);
        Assert.False(wb.Writing);
        InvariantChecker.Check(m);
    }

    [Fact]
    public void PagesCleanedOrFreedMeanwhileTakeNoDeviceTime()
    {
        // 1700 pages dirty at t = 0 (writeback started at the 1598th); the 10 oldest are freed and reclaim writes the
        // next 10 itself (SetDirty false): the device's first write at 20 µs is page 21, so by 20 × 3 = 60 µs it has
        // written pages 21, 22, 23 and 1700 − 20 − 3 = 1677 are dirty.
        Machine m = Empty();
        var wb = new DirtyThrottle(m, DeviceNs);
        var pfns = new List<ulong>();
        for (int n = 0; n < 1700; n++)
        {
            AllocResult a = m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.FileDirty);
            pfns.Add(a.Pfn);
            wb.Dirtied(a.Pfn);
            wb.Balance(0);
        }
        for (int k = 0; k < 10; k++)
        {
            m.Free(pfns[k], 0);
            m.SetDirty(pfns[10 + k], false);
        }
        wb.Complete(60_000);
        Assert.Equal(3, wb.Written);
        Assert.Equal(1677, wb.DirtyPages());
        Assert.Equal(PageUse.File, m.UseOf(pfns[22]));
        Assert.Equal(PageUse.FileDirty, m.UseOf(pfns[23]));
    }
}
