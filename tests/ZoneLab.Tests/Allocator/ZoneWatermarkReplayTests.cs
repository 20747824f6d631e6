using ZoneLab.Allocator;
using ZoneLab.Explain;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// The per-generation rules of <see cref="ZoneWatermarkReplay"/> and <see cref="FailureReplay.AllocFlags"/>, each value
/// worked out by hand from mm/page_alloc.c of that generation (quoted in the comments).
/// </summary>
public sealed class ZoneWatermarkReplayTests
{
    private static readonly string[] s_noTypes = new string[11].Select(_ => "").ToArray();

    private static WatermarkInput Zone(long free, long min, long boost = 0, long cma = 0, long highatomic = 0, long reserve = 0,
        long[]? blocks = null, string[]? types = null) =>
        new(free, min, boost, cma, highatomic, reserve, blocks ?? new long[11], types ?? s_noTypes, true);

    [Fact]
    public void GfpAtomic_Before63_IsHighAndHarder_After63_IsMinReserveAndNonBlock()
    {
        // gfp_to_alloc_flags() v4.4-v6.2: __GFP_HIGH -> ALLOC_HIGH, __GFP_ATOMIC -> ALLOC_HARDER.
        GfpFlags atomic62 = ReportGfp.Name("GFP_ATOMIC", 602)!.Value;
        Assert.Equal(ReportAllocFlags.High | ReportAllocFlags.Harder, FailureReplay.AllocFlags(atomic62, 0, 602, "x", false));
        // v6.3+: GFP_ATOMIC = __GFP_HIGH|__GFP_KSWAPD_RECLAIM; no __GFP_DIRECT_RECLAIM -> ALLOC_NON_BLOCK, and
        // ALLOC_HIGHATOMIC for order > 0.
        GfpFlags atomic63 = ReportGfp.Name("GFP_ATOMIC", 603)!.Value;
        Assert.Equal(GfpFlags.None, atomic63 & GfpFlags.Atomic);
        Assert.Equal(ReportAllocFlags.High | ReportAllocFlags.NonBlock, FailureReplay.AllocFlags(atomic63, 0, 603, "x", false));
        Assert.Equal(ReportAllocFlags.High | ReportAllocFlags.NonBlock | ReportAllocFlags.HighAtomic, FailureReplay.AllocFlags(atomic63, 3, 603, "x", false));
    }

    [Fact]
    public void MinReductions_PerGeneration()
    {
        var z = Zone(free: 1000, min: 1000);
        // v5.10 GFP_ATOMIC: min 1000 - 500 = 500 (ALLOC_HIGH), 500 - 125 = 375 (ALLOC_HARDER).
        Assert.Equal(375, ZoneWatermarkReplay.Check(z, 0, ReportAllocFlags.High | ReportAllocFlags.Harder, 510, true).EffectiveMin);
        // v6.3 GFP_ATOMIC: same numbers through ALLOC_MIN_RESERVE then ALLOC_NON_BLOCK.
        Assert.Equal(375, ZoneWatermarkReplay.Check(z, 0, ReportAllocFlags.High | ReportAllocFlags.NonBlock, 603, false).EffectiveMin);
        // v6.3 GFP_NOWAIT: ALLOC_NON_BLOCK without ALLOC_MIN_RESERVE gets no reduction ("Other non-blocking allocations
        // requests such as GFP_NOWAIT ... do not get access to the min reserve").
        Assert.Equal(1000, ZoneWatermarkReplay.Check(z, 0, ReportAllocFlags.NonBlock, 603, false).EffectiveMin);
    }

    [Fact]
    public void HighatomicReserve_TakenOutUnlessAllowed()
    {
        // free 1000, highatomic 300, min 750: without rights 1000 - 300 = 700 <= 750 fails; ALLOC_HARDER (v5.x) keeps it:
        // 1000 > 750 - 375 - 93 ... passes.
        var z = Zone(free: 1000, min: 750, highatomic: 300);
        Assert.False(ZoneWatermarkReplay.Check(z, 0, ReportAllocFlags.None, 510, false).Ok);
        Assert.True(ZoneWatermarkReplay.Check(z, 0, ReportAllocFlags.Harder, 510, true).Ok);
        // v6.3: any of ALLOC_RESERVES (here ALLOC_NON_BLOCK alone, GFP_NOWAIT) keeps the highatomic pages: 1000 > 750.
        Assert.True(ZoneWatermarkReplay.Check(z, 0, ReportAllocFlags.NonBlock, 603, false).Ok);
    }

    [Fact]
    public void FreeCma_CountsOnlyWithAllocCma()
    {
        // free 1000 of which 400 CMA, min 700: 600 <= 700 without ALLOC_CMA, 1000 > 700 with it.
        var z = Zone(free: 1000, min: 700, cma: 400);
        Assert.False(ZoneWatermarkReplay.Check(z, 0, ReportAllocFlags.None, 601, false).Ok);
        Assert.True(ZoneWatermarkReplay.Check(z, 0, ReportAllocFlags.Cma, 601, false).Ok);
        // gfp_migratetype(): __GFP_MOVABLE alone is MIGRATE_MOVABLE -> ALLOC_CMA; with __GFP_RECLAIMABLE it is not.
        Assert.Equal(ReportAllocFlags.Cma, FailureReplay.AllocFlags(ReportGfp.Name("GFP_HIGHUSER_MOVABLE", 601)!.Value, 0, 601, "x", false));
        Assert.Equal(ReportAllocFlags.None, FailureReplay.AllocFlags(GfpFlags.Movable | GfpFlags.Reclaimable, 0, 601, "x", false));
    }

    [Fact]
    public void OrderLoop_HarderTookAnyBlockUntil414_OnlyHighatomicFrom415()
    {
        // One free order-3 block, on MIGRATE_CMA only ("(C)"); order-3 request with ALLOC_HARDER, no ALLOC_CMA.
        var blocks = new long[11];
        blocks[3] = 1;
        var types = s_noTypes.ToArray();
        types[3] = "C";
        var z = Zone(free: 10000, min: 100, blocks: blocks, types: types);
        // v4.9: "if (alloc_harder) return true;" for any order with nr_free.
        Assert.True(ZoneWatermarkReplay.Check(z, 3, ReportAllocFlags.Harder, 409, true).Ok);
        // v4.15 ("fix potential false positive"): ALLOC_HARDER only passes through a MIGRATE_HIGHATOMIC list.
        Assert.False(ZoneWatermarkReplay.Check(z, 3, ReportAllocFlags.Harder, 415, true).Ok);
        types[3] = "H";
        Assert.True(ZoneWatermarkReplay.Check(z with { Types = types }, 3, ReportAllocFlags.Harder, 415, true).Ok);
    }

    [Fact]
    public void BoostIgnored_ForAtomicOrder0_From59()
    {
        // min 1200 includes boost 400; free 1000. GFP_ATOMIC: 1200 -> 600 -> 450 passes anyway, so use no reductions
        // to isolate the retry: the unboosted retry is keyed on __GFP_ATOMIC (v5.9-v6.2) / ALLOC_MIN_RESERVE (v6.3+).
        var z = Zone(free: 1000, min: 1200, boost: 400);
        Assert.False(ZoneWatermarkReplay.Check(z, 0, ReportAllocFlags.None, 508, true).Ok); // v5.8: no retry
        Assert.True(ZoneWatermarkReplay.Check(z, 0, ReportAllocFlags.None, 509, true).Ok); // v5.9: 1000 > 800
        Assert.False(ZoneWatermarkReplay.Check(z, 0, ReportAllocFlags.None, 603, false).Ok); // v6.3 needs MIN_RESERVE
        Assert.True(ZoneWatermarkReplay.Check(z, 0, ReportAllocFlags.High, 603, false).Ok);
    }

    [Fact]
    public void Rmqueue_Order0_NeverTakesHighatomic()
    {
        var blocks = new long[11];
        blocks[0] = 5;
        var types = s_noTypes.ToArray();
        types[0] = "H";
        var z = Zone(free: 5, min: 0, blocks: blocks, types: types);
        Assert.False(ZoneWatermarkReplay.Rmqueue(z, 0, ReportAllocFlags.Harder, 510));
        Assert.False(ZoneWatermarkReplay.Rmqueue(z, 0, ReportAllocFlags.NonBlock | ReportAllocFlags.High, 603));
        // Order 1 from an order-1 (H) block: ALLOC_HARDER (v5.x) / ALLOC_HIGHATOMIC (v6.3+) may take it.
        blocks[0] = 0;
        blocks[1] = 1;
        types[0] = "";
        types[1] = "H";
        Assert.True(ZoneWatermarkReplay.Rmqueue(z, 1, ReportAllocFlags.Harder, 510));
        Assert.True(ZoneWatermarkReplay.Rmqueue(z, 1, ReportAllocFlags.HighAtomic, 603));
        Assert.False(ZoneWatermarkReplay.Rmqueue(z, 1, ReportAllocFlags.None, 603));
    }

    [Fact]
    public void V44HexMask_Decodes()
    {
        // v4.4 gfp.h: GFP_ATOMIC = __GFP_HIGH 0x20 | __GFP_ATOMIC 0x80000 | __GFP_KSWAPD_RECLAIM 0x2000000 = 0x2080020.
        Assert.Equal(GfpFlags.High | GfpFlags.Atomic | GfpFlags.KswapdReclaim, ReportGfp.Decode(0x2080020, null, 404, out _));
        // GFP_KERNEL|GFP_DMA in v4.4 = 0x24000c1.
        Assert.Equal(GfpFlags.Dma | GfpFlags.Io | GfpFlags.Fs | GfpFlags.DirectReclaim | GfpFlags.KswapdReclaim,
            ReportGfp.Decode(0x24000c1, null, 404, out _));
    }
}
