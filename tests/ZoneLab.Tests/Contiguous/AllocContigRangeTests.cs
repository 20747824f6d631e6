using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Contiguous;

/// <summary>
/// alloc_contig_range() on the engine with cma_alloc() on top: a 64 MiB machine (DMA [1,4096), DMA32 [4096,16384))
/// with a 16 MiB CMA area at pfn 8192, the debug invariant checker on after every operation.
/// </summary>
public class AllocContigRangeTests
{
    private const ulong CmaBase = 8192, CmaPages = 4096;

    private static (Machine M, ContigRangeAllocator Contig, CmaAllocator Cma) Boot()
    {
        MachineSpec simple = MachineSpec.Simple(64);
        var spec = new MachineSpec(simple.Zones) { Cma = new[] { new PfnRange(CmaBase, CmaBase + CmaPages) }, DebugChecks = true };
        var m = new Machine(spec);
        var contig = new ContigRangeAllocator(m);
        return (m, contig, new CmaAllocator("reserved", CmaBase, CmaPages, 0, contig));
    }

    // Allocates order-0 pages of a use until the machine is nearly full, then frees those outside the CMA area
    // (every other one) so that migration has targets. Returns the pages still allocated.
    private static List<ulong> FillAndLeaveTargets(Machine m, PageUse use)
    {
        var pages = new List<ulong>();
        m.DebugChecks = false; // the fill is tens of thousands of steps; the checker runs again from the first contig call
        while (true)
        {
            AllocResult r = m.Allocate(0, Gfp.HighUserMovable & ~GfpFlags.DirectReclaim & ~GfpFlags.KswapdReclaim, 0, use);
            if (!r.Success)
            {
                break;
            }
            pages.Add(r.Pfn);
        }
        var kept = new List<ulong>();
        for (int k = 0; k < pages.Count; k++)
        {
            bool inCma = pages[k] >= CmaBase && pages[k] < CmaBase + CmaPages;
            if (!inCma && k % 2 == 0)
            {
                m.Free(pages[k], 0);
            }
            else
            {
                kept.Add(pages[k]);
            }
        }
        m.DebugChecks = true;
        return kept;
    }

    [Fact]
    public void OnAFreeAreaNothingMovesAndReleaseRestoresFreePages()
    {
        var (m, _, cma) = Boot();
        long free = m.TotalFreePages();
        CmaAllocResult r = cma.Allocate(1024);
        Assert.True(r.Success);
        Assert.Equal(CmaBase, r.Pfn);
        Assert.Equal(0, r.Work.Migrated);
        Assert.Equal(free - 1024, m.TotalFreePages());
        Assert.True(cma.Release(r.Pfn, 1024));
        Assert.Equal(free, m.TotalFreePages());
    }

    [Fact]
    public void AnonymousPagesInTheWindowAreMigratedOut()
    {
        var (m, contig, cma) = Boot();
        List<ulong> kept = FillAndLeaveTargets(m, PageUse.Anon);
        // movable requests fell back to CMA once MOVABLE was empty, until the min watermark stopped the fill
        long inWindow = kept.Count(p => p >= CmaBase && p < CmaBase + 1024);
        Assert.True(inWindow > 512, $"only {inWindow} pages of the window were allocated");
        CmaAllocResult r = cma.Allocate(1024);
        Assert.True(r.Success, r.ToString());
        Assert.Equal(inWindow, r.Work.Migrated);
        Assert.Equal(0, r.Work.Discarded);
        Assert.All(contig.LastMoves, mv => Assert.True(mv.To < CmaBase || mv.To >= CmaBase + 1024));
        // migrated pages × 57.03 µs + one attempt (311 µs) + two pageblocks isolated ((25735 − 311) / 190.5 µs each:
        // the 2019 linux-mm cma_alloc figures, docs/cost-model.md)
        Assert.Equal(inWindow * (146_000.0 / 2560) + 311 + (2 * ((25_735.0 - 311) / 190.5)), r.Microseconds, 3);
    }

    [Fact]
    public void CleanPageCacheIsDroppedInsteadOfMigrated()
    {
        var (m, _, cma) = Boot();
        List<ulong> kept = FillAndLeaveTargets(m, PageUse.File);
        long inWindow = kept.Count(p => p >= CmaBase && p < CmaBase + 512);
        long free = m.TotalFreePages();
        CmaAllocResult r = cma.Allocate(512);
        Assert.True(r.Success);
        Assert.True(inWindow > 0);
        Assert.Equal(inWindow, r.Work.Discarded);
        Assert.Equal(0, r.Work.Migrated);
        Assert.Equal(free - (512 - inWindow), m.TotalFreePages()); // dropped pages became the allocation
    }

    [Fact]
    public void APinnedPageMakesEveryWindowOverItBusyAndCmaAllocSlidesPastIt()
    {
        // Pinned page at base+10, 1024-page request, align 0 (mask 0): windows starting at bits 0..10 all contain it
        // and fail with -EBUSY after 5 passes without progress; the window at bit 11 succeeds: 12 attempts.
        var (m, contig, cma) = Boot();
        FillAndLeaveTargets(m, PageUse.Anon);
        contig.Pinned.Add(CmaBase + 10);
        CmaAllocResult r = cma.Allocate(1024);
        Assert.True(r.Success);
        Assert.Equal(CmaBase + 11, r.Pfn);
        Assert.Equal(12, r.Work.Attempts);
        Assert.Equal(0, m.Zones.Sum(z => z.NrIsolatePageblock)); // every isolation was undone
    }

    [Fact]
    public void ABufferHeldPageCachePageFailsFiveMigrateCallsPerWindowAndCmaAllocSlidesPastIt()
    {
        // A clean page-cache page at base+10 whose buffer head is held (an ext4 metadata block the journal holds):
        // isolate_migratepages_block takes it, reclaim_clean_pages_from_list cannot drop it (try_to_free_buffers),
        // migrate_pages fails it (buffer_migrate_folio_norefs: -EAGAIN on b_count) and __alloc_contig_migrate_range
        // calls migrate_pages on it until ++tries == 5: 5 PGMIGRATE_FAIL per window. Windows at bits 0..10 hold it
        // (11 × 5 = 55), bit 11 succeeds: 12 attempts, the held page still allocated where it was.
        var (m, contig, cma) = Boot();
        FillAndLeaveTargets(m, PageUse.File);
        contig.BufferHeld.Add(CmaBase + 10);
        CmaAllocResult r = cma.Allocate(1024);
        Assert.True(r.Success);
        Assert.Equal(CmaBase + 11, r.Pfn);
        Assert.Equal(12, r.Work.Attempts);
        Assert.Equal(55, m.Event(VmEvent.PgmigrateFail));
        Assert.Equal(0, m.Event(VmEvent.PgmigrateSuccess));
        Assert.True(m.IsAllocatedHead(CmaBase + 10, out _));
        Assert.Equal(0, m.Zones.Sum(z => z.NrIsolatePageblock));
    }

    [Fact]
    public void UnmovableKernelPageFailsIsolationOutsideCmaMode()
    {
        // alloc_contig_pages()-style isolation of a normal (MOVABLE) pageblock holding a kernel page: -EBUSY at
        // isolation (has_unmovable_pages), nothing migrated.
        var (m, contig, _) = Boot();
        AllocResult k = m.Allocate(0, Gfp.Kernel);
        ulong block = k.Pfn & ~(Pageblock.NrPages - 1);
        ContigResult r = contig.AllocContigRange(block, block + Pageblock.NrPages, cmaMode: false);
        Assert.Equal(ContigResult.EBusy, r.Errno);
        Assert.Equal(ContigFailure.IsolationUnmovable, r.Failure);
    }

    [Fact]
    public void GigantishAllocationFindsAFreeAlignedWindow()
    {
        // alloc_contig_pages(2048 pages): the first 2048-aligned window of DMA32 that holds no unmovable page.
        var (m, contig, _) = Boot();
        ulong? pfn = contig.AllocContigPages(2048, 0, ZoneType.Normal, out ContigWork work);
        Assert.NotNull(pfn);
        Assert.Equal(0UL, pfn!.Value % 2048);
        Assert.True(m.IsAllocatedHead(pfn.Value, out _));
    }
}
