using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// alloc_contig_range's reclaim of clean page cache (6.1 <c>__alloc_contig_migrate_range</c> →
/// <c>reclaim_clean_pages_from_list</c> → <c>shrink_folio_list</c>) releases each folio's buffer heads
/// (<c>filemap_release_folio</c> → <c>try_to_free_buffers</c>) as LRU reclaim does, so the buffer_head slabs of the
/// dropped pages go back to the buddy allocator.
/// </summary>
public class ContigReclaimBufferHeadsTests
{
    [Fact]
    public void AGiganticPageOverCleanExt4PageCacheFreesTheDroppedPagesBufferHeadSlabs()
    {
        // gigantic-contig arm64 from the guest's own state: a 256 MiB ext4 file, then one 32 MiB gigantic page
        // (8192 pages). alloc_contig_pages takes the first valid window from the zone's start; from the guest's state
        // that window (0x44000) holds the file's pages, which the guest drops: its nr_file_pages falls by 8184
        // (66699 → 58515 in run 1's vmstat), the engine's by the window's 8192.
        string dir = Path.Combine(OracleWorkloadTests.Root, "oracle", "page-state", "gigantic-contig", "arm64", "run1");
        OracleRecording rec = OracleRecording.Read(dir);
        OracleWorkload w = OracleWorkloadLoader.Load(File.ReadAllText(Path.Combine(dir, "workload.yaml")), Path.Combine(dir, "workload.yaml"), "w");
        using OracleEngineRunner e = OracleEngineRunner.Run(w with { Steps = [.. w.Steps.Take(2)] }, rec, start: GuestStartState.Read(rec));
        long Free(int k) => e.Snapshots[k].Vmstat["nr_free_pages"];
        long Files(int k) => e.Snapshots[k].Vmstat["nr_file_pages"];
        Assert.InRange(Files(1) - Files(2), 8184, 8192);

        // The dropped pages are 8184-8192 consecutive file pages (the file was written in order into free order-10
        // blocks), one buffer head each, 39 to an order-0 buffer_head slab (the guest's slabinfo): at least 208 and
        // at most 210 slabs are emptied. Freed in pfn order, SLUB keeps min_partial (5) slabs on the node's partial
        // list (one of them may be the first, partly freed slab) and the last cpu_partial_slabs (7) group on the CPU's
        // list (with the last, partly freed slab): at least 208 - 5 - 6 = 197 and at most 210 empty slabs are
        // discarded. The gigantic page takes as many pages as were dropped, so MemFree rises by exactly the
        // discarded slabs (it did not move before the buffer heads were freed). The guest's own slab count agrees:
        // nr_slab_reclaimable 4075 → 3877, 198 pages.
        Assert.Equal(-198, rec.Snapshots[2].Vmstat["nr_slab_reclaimable"] - rec.Snapshots[1].Vmstat["nr_slab_reclaimable"]);
        Assert.InRange(Free(2) - Free(1), 197, 210);
    }
}
