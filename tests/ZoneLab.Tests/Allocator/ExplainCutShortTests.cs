using ZoneLab.Allocator;
using ZoneLab.Explain;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// Reports cut before their zone lines (the common shape on mailing lists: the author keeps the header and the stack,
/// or Mem-Info's first block) are explained from the request alone: gfp_zone() and what __alloc_pages_slowpath() could
/// try; and the slow-path sentence every report gets. Real inputs: two Steam Deck reports from the linux-arm-msm thread of July 2025 (sources beside the fixtures).
/// </summary>
public sealed class ExplainCutShortTests
{
    private static FailureVerdict One(string file)
    {
        AllocFailureReport r = Assert.Single(AllocFailureReader.ReadFile(FixturePath.Get("explain", file)));
        return FailureReplay.Explain(r, file);
    }

    [Fact]
    public void SteamDeckJournalCutAfterMemInfosFirstBlock()
    {
        FailureVerdict v = One("x86_64-6.11-steamdeck-order7-noio-dma32-journal-cut.txt");
        Assert.Equal(FailureClass.ReportCutShort, v.Class);
        Assert.Equal((7, 0xc04u, 611), (v.Report.Order, v.Report.Mode, v.Version));
        // GFP_DMA32 → gfp_zone() ZONE_DMA32, index 1 of x86_64's DMA, DMA32, Normal, Movable, Device
        Assert.Equal("DMA32", v.Layout.Names[v.HighestZoneIdx]);
        Assert.Empty(v.Zones);
        // Mem-Info's first block: "free:125666" pages, 125666 * 4 / 1024 = 490 MiB
        Assert.Equal(125666, v.Report.GlobalFreePages);
        Assert.Contains("125666 free pages (490 MiB", v.Summary, StringComparison.Ordinal);
        // GFP_NOIO = __GFP_RECLAIM: direct reclaim yes; no __GFP_IO, so try_to_compact_pages() skips (v4.10+); order 7 >
        // PAGE_ALLOC_COSTLY_ORDER without __GFP_RETRY_MAYFAIL: __alloc_pages_slowpath() goes to nopage after one attempt
        Assert.Equal("direct reclaim; no direct compaction (no __GFP_IO: try_to_compact_pages() returns COMPACT_SKIPPED); "
            + "order 7 is costly (> PAGE_ALLOC_COSTLY_ORDER 3) and has no __GFP_RETRY_MAYFAIL: no retry after the first attempt", v.SlowPath);
    }

    [Fact]
    public void SteamDeckLogCutAfterTheStack()
    {
        FailureVerdict v = One("x86_64-6.11-steamdeck-order7-noio-dma32-stack-only.txt");
        Assert.Equal(FailureClass.ReportCutShort, v.Class);
        Assert.Equal("it ends before 'Mem-Info:'", v.Report.CutShort);
        Assert.Equal("6.11.11-valve10-1-neptune-611-gb69e902b4338", v.Report.Release);
        Assert.Equal("x86_64", v.Arch); // <TASK> in the stack dump
        Assert.Null(v.Report.GlobalFreePages);
        Assert.StartsWith("direct reclaim; no direct compaction (no __GFP_IO", v.SlowPath, StringComparison.Ordinal);
    }

    [Fact]
    public void AndroidPasteAbridgedToItsHeader()
    {
        // The header (line 5), two buddy lines and "..." where the Mem-Info was: GFP_NOIO order 0, no release, so the
        // rules of the format's lower bound (nodemask= printed: v4.10); order 0 has no compaction step, is not costly,
        // and without __GFP_FS out_of_memory() kills nothing (it returns "progress" for IO-less reclaim)
        FailureVerdict v = One("truncated-android-cma-abridged.txt");
        Assert.Equal((FailureClass.ReportCutShort, 5, 410), (v.Class, v.Report.Line, v.Version));
        Assert.Equal("direct reclaim; retried while reclaim makes progress; no OOM kill for a request without __GFP_FS", v.SlowPath);
        Assert.Equal("Normal", v.Layout.Names[v.HighestZoneIdx]);
    }

    [Fact]
    public void KswapdCannotReclaimOnItsOwnBehalf()
    {
        // kswapd0 asks GFP_KERNEL (mode 0xcc0, order 0) on 6.9: the mask allows direct reclaim, but kswapd runs with
        // PF_MEMALLOC and __alloc_pages_slowpath() goes to nopage rather than recurse into reclaim
        AllocFailureReport r = AllocFailureReader.ReadFile(FixturePath.Get("explain", "ppc32-6.9-kswapd-pfmemalloc-quoted.txt"))[0];
        FailureVerdict v = FailureReplay.Explain(r, "ppc32");
        Assert.Equal(("kswapd0", 0xcc0u), (r.Comm, r.Mode));
        Assert.StartsWith("no direct reclaim or compaction: the task runs with PF_MEMALLOC", v.SlowPath, StringComparison.Ordinal);
        // the same mask from an ordinary task reclaims and, at order 0 with __GFP_FS, ends in the OOM killer
        Assert.Equal("direct reclaim; retried while reclaim makes progress, then the OOM killer is invoked", SlowPath.Describe(Gfp.Kernel, 0, 609));
    }

    [Theory]
    // GFP_ATOMIC: no __GFP_DIRECT_RECLAIM, kswapd woken (__GFP_KSWAPD_RECLAIM)
    [InlineData("atomic", 0, 601, "no direct reclaim or compaction (no __GFP_DIRECT_RECLAIM): the request fails as soon as the free lists cannot serve it; kswapd is woken to reclaim in the background")]
    // GFP_NOFS order 4 on 4.9: try_to_compact_pages() wanted may_enter_fs too (73e64c51afc5 came in 4.10)
    [InlineData("nofs", 4, 409, "direct reclaim; no direct compaction (no __GFP_FS, which v4.4-v4.9 require: try_to_compact_pages() returns COMPACT_SKIPPED); order 4 is costly (> PAGE_ALLOC_COSTLY_ORDER 3) and has no __GFP_REPEAT: no retry after the first attempt")]
    // the same on 5.19: compaction allowed (__GFP_IO is set)
    [InlineData("nofs", 4, 519, "direct reclaim; direct compaction; order 4 is costly (> PAGE_ALLOC_COSTLY_ORDER 3) and has no __GFP_RETRY_MAYFAIL: no retry after the first attempt")]
    // GFP_KERNEL order 2: retried (should_reclaim_retry / should_compact_retry), then __alloc_pages_may_oom()
    [InlineData("kernel", 2, 601, "direct reclaim; direct compaction; retried while reclaim or compaction make progress, then the OOM killer is invoked")]
    // hugetlb's GFP_KERNEL|__GFP_RETRY_MAYFAIL order 9: retried, but never the OOM killer
    [InlineData("mayfail", 9, 601, "direct reclaim; direct compaction; __GFP_RETRY_MAYFAIL: retried while reclaim makes progress, then it fails without the OOM killer")]
    // GFP_NOIO|__GFP_RETRY_MAYFAIL order 5 from v6.8: costly and unable to compact, so no retry at all
    [InlineData("noio-mayfail", 5, 608, "direct reclaim; no direct compaction (no __GFP_IO: try_to_compact_pages() returns COMPACT_SKIPPED); order 5 is costly and may not compact: no retry despite __GFP_RETRY_MAYFAIL (v6.8+)")]
    // THP's __GFP_NORETRY (GFP_TRANSHUGE with defrag=madvise, order 9)
    [InlineData("thp", 9, 601, "direct reclaim; direct compaction; __GFP_NORETRY: one reclaim (and compaction) attempt, no retry")]
    public void SlowPathFromTheMaskAlone(string mask, int order, int version, string expected)
    {
        GfpFlags gfp = mask switch
        {
            "atomic" => Gfp.Atomic,
            "nofs" => Gfp.NoFs | GfpFlags.Comp,
            "kernel" => Gfp.Kernel,
            "mayfail" => Gfp.Kernel | GfpFlags.RetryMayfail,
            "noio-mayfail" => Gfp.NoIo | GfpFlags.RetryMayfail,
            "thp" => Gfp.TransHuge | GfpFlags.NoRetry,
            _ => throw new ArgumentException(mask),
        };
        Assert.Equal(expected, SlowPath.Describe(gfp, order, version));
    }
}
