using ZoneLab.Allocator;
using ZoneLab.Explain;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// <c>zonelab explain</c> on 20 real allocation-failure reports (Fixtures/explain, each with its source in a
/// <c>.source</c> file). Every expected value is derived by hand below from the report's numbers (kB / 4 = pages) and
/// the kernel function of that version:
/// <list type="bullet">
/// <item>__zone_watermark_ok(): usable = free - ((1 &lt;&lt; order) - 1) - highatomic (unless ALLOC_HARDER; v6.3+: unless
/// ALLOC_RESERVES) - free CMA (unless ALLOC_CMA); min halved by ALLOC_HIGH, minus a quarter by ALLOC_HARDER (v6.3+: by
/// ALLOC_NON_BLOCK inside ALLOC_MIN_RESERVE); fails when usable &lt;= min + lowmem_reserve[highest_zoneidx]; for
/// order &gt; 0 a free block of order ≥ the request on U/M/E (C with ALLOC_CMA, H with ALLOC_HARDER) is needed
/// (v4.4-v4.14: any block with ALLOC_HARDER).</item>
/// <item>rmqueue(): order-0 requests never take MIGRATE_HIGHATOMIC blocks.</item>
/// </list>
/// </summary>
public sealed class ExplainRealReportTests
{
    private sealed record Zone(int Node, string Name, bool WatermarkOk, bool RmqueueOk, long Free, long Min, long Reserve, long Short);

    private static List<FailureVerdict> Explain(string file)
    {
        IReadOnlyList<AllocFailureReport> reports = AllocFailureReader.ReadFile(FixturePath.Get("explain", file));
        return reports.Select(r => FailureReplay.Explain(r, file)).ToList();
    }

    private static void AssertZones(FailureVerdict v, params Zone[] expected)
    {
        Assert.Equal(expected.Length, v.Zones.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            ZoneVerdict z = v.Zones[i];
            Zone e = expected[i];
            Assert.Equal((e.Node, e.Name), (z.Zone.Node, z.Zone.Name));
            Assert.Equal(e.WatermarkOk, z.WatermarkOk);
            Assert.Equal(e.RmqueueOk, z.RmqueueOk);
            Assert.Equal(e.Free, z.FreePages);
            Assert.Equal(e.Min, z.Min);
            Assert.Equal(e.Reserve, z.LowmemReserve);
            Assert.Equal(e.Short, z.ShortPages);
        }
    }

    [Fact]
    public void X86_64_5_19_Btrfs_Order4_Nofs_Fragmentation_TwoReports()
    {
        var v = Explain("x86_64-5.19-btrfs-order4-nofs.txt");
        Assert.Equal(2, v.Count);
        // GFP_NOFS|__GFP_COMP: no __GFP_HIGH/__GFP_ATOMIC, not movable -> alloc_flags ALLOC_WMARK_MIN only.
        // gfp_zone = ZONE_NORMAL (index 2 of DMA, DMA32, Normal, Movable, Device: lowmem_reserve has 5 entries).
        Assert.Equal((1, 4, "GFP_NOFS|__GFP_COMP"), (v[0].Report.Line, v[0].Report.Order, v[0].Report.FlagNames));
        Assert.Equal(519, v[0].Version);
        Assert.Equal(2, v[0].HighestZoneIdx);
        Assert.Equal(ReportAllocFlags.None, v[0].AllocFlags);
        // Normal: free 126872/4 = 31718, min 63960/4 = 15990; 31718 - 15 = 31703 > 15990, but no block of
        //   64kB..4096kB (orders 4-10 all 0*) -> order loop fails.
        // DMA32: 63492/4 = 15873 - 15 = 15858 <= 3556/4 = 889 + reserve[2] 14975 = 15864 -> short 15864 + 1 - 15858 = 7.
        // DMA: 13312/4 = 3328 - 15 = 3313 <= 64/4 = 16 + 15809 = 15825 -> short 12513.
        AssertZones(v[0],
            new Zone(0, "Normal", false, false, 31718, 15990, 0, 0),
            new Zone(0, "DMA32", false, true, 15873, 889, 14975, 7),
            new Zone(0, "DMA", false, true, 3328, 16, 15809, 12513));
        Assert.Equal(FailureClass.NoFreeBlockOfOrder, v[0].Class);
        // Second report: Normal min 192984kB already includes boost 129024kB (min_wmark_pages() adds the boost):
        // 215760/4 = 53940 - 15 = 53925 > 48246, still no block >= 64kB. DMA32 63456/4 = 15864 - 15 = 15849 <= 15864 -> short 16.
        Assert.Equal(68, v[1].Report.Line);
        AssertZones(v[1],
            new Zone(0, "Normal", false, false, 53940, 48246, 0, 0),
            new Zone(0, "DMA32", false, true, 15864, 889, 14975, 16),
            new Zone(0, "DMA", false, true, 3328, 16, 15809, 12513));
        Assert.Equal(FailureClass.NoFreeBlockOfOrder, v[1].Class);
        // What-if: the cheapest zone to fix is DMA32 (7 pages, it has order >= 4 blocks); in report 2 Normal needs one
        // order-4 block (16 pages), equal to DMA32's 16, and Normal comes first in the zonelist.
        Assert.Equal(7, v[0].WhatIf.MorePagesNeeded);
        Assert.Equal((16L, 4), (v[1].WhatIf.MorePagesNeeded!.Value, v[1].WhatIf.OfOrderAtLeast!.Value));
    }

    [Fact]
    public void Mips32_5_10_Order5_Kernel_OnlyCmaBlocksLeft()
    {
        var v = Assert.Single(Explain("mips32-5.10-jz4780-order5-cma.txt"));
        // Header wrapped after "order:5," by the mail client: line 6 is where it starts.
        Assert.Equal((6, 5), (v.Report.Line, v.Report.Order));
        // 32-bit zones Normal(0), HighMem(1), Movable(2) ("lowmem_reserve[]: 0 6144 0"); GFP_KERNEL -> Normal.
        Assert.Equal(new[] { "Normal", "HighMem", "Movable" }, v.Layout.Names);
        // Normal: 33244/4 = 8311 - 31 - free_cma 12300/4 = 3075 (no ALLOC_CMA) = 5205 > 1956/4 = 489: watermark part ok;
        // blocks of order >= 5 (128kB+): 4*128kB (C), 1*256kB (C), 1*512kB (C) -> only MIGRATE_CMA -> check fails.
        AssertZones(v, new Zone(0, "Normal", false, false, 8311, 489, 0, 0));
        Assert.Equal(FailureClass.FreeMemoryNotUsable, v.Class);
        Assert.Equal("cma-blocks", v.Zones[0].Blocker);
        // Under ZONE_CMA / CMA in ZONE_MOVABLE / DMB a GFP_KERNEL request still may not use the movable-only memory.
        Assert.All(v.WhatIf.Designs.Where(d => d.Design != "migrate-cma"), d => Assert.False(d.MayUse));
    }

    [Fact]
    public void X86_64_4_9_Bcache_Nowait_PassesOnDump_ThreeReports()
    {
        var v = Explain("x86_64-4.9-bcache-nowait-cma-quoted.txt");
        Assert.Equal(new[] { 1, 74, 116 }, v.Select(r => r.Report.Line));
        // GFP_NOWAIT (4.9: __GFP_KSWAPD_RECLAIM only) -> no ALLOC_HIGH/HARDER; free CMA subtracted (not movable).
        // Report 1, Normal: 226892/4 = 56723 - 312/4 = 78 = 56645 > 226544/4 = 56636 -> passes on the dump.
        // DMA32: 117656/4 = 29414 <= 35424/4 = 8856 + 20567 = 29423 -> short 10.
        AssertZones(v[0],
            new Zone(0, "Normal", true, true, 56723, 56636, 0, 0),
            new Zone(0, "DMA32", false, true, 29414, 8856, 20567, 10),
            new Zone(0, "DMA", false, true, 3971, 42, 23767, 19839));
        Assert.All(v, r => Assert.Equal(FailureClass.PassesOnDump, r.Class));
        // Report 3, Normal: 264244/4 = 66061 - 504/4 = 126 = 65935 > 56636.
        Assert.Equal((66061L, 126L), (v[2].Zones[0].FreePages, v[2].Zones[0].FreeCma));
    }

    [Fact]
    public void X86_64_5_13_Chrome_Order7_Atomic_Syslog()
    {
        var v = Assert.Single(Explain("x86_64-5.13-chrome-order7-atomic-syslog.txt"));
        // GFP_ATOMIC (5.13: __GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM) -> ALLOC_HIGH|ALLOC_HARDER.
        Assert.Equal(ReportAllocFlags.High | ReportAllocFlags.Harder, v.AllocFlags);
        // Normal: min 64544/4 = 16136 -> 16136 - 8068 = 8068 -> 8068 - 2017 = 6051; 262612/4 = 65653 - 127 = 65526 > 6051;
        // 1*512kB (M) is a free order-7 block on MIGRATE_MOVABLE -> passes on the dumped numbers.
        // DMA32: min 5052/4 = 1263 -> 632 -> 474; 118968/4 = 29742 - 127 = 29615 <= 474 + 29148 = 29622 -> short 8.
        AssertZones(v,
            new Zone(0, "Normal", true, true, 65653, 16136, 0, 0),
            new Zone(0, "DMA32", false, true, 29742, 1263, 29148, 8),
            new Zone(0, "DMA", false, true, 2816, 8, 31506, 28821));
        Assert.Equal(6051, v.Zones[0].EffectiveMin);
        Assert.Equal(FailureClass.PassesOnDump, v.Class);
        // Normal passes as dumped, so no zone needs more free pages: the text names none (it used to print
        // "passes with 0 more free pages in " with no zone), and the JSON says 0.
        Assert.Equal(0, v.WhatIf.MorePagesNeeded);
        string text = FailureVerdictWriter.ToText([v], "chrome.txt");
        Assert.DoesNotContain("more free pages", text, StringComparison.Ordinal);
        Assert.Contains("min_free_kbytes: no change needed", text, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryMorePagesLineNamesAZone()
    {
        // Each fixture's text: a "passes with N more free pages in ZONE" line has N > 0 and a zone ("node N NAME").
        foreach (string f in Directory.GetFiles(FixturePath.Get("explain"), "*.txt"))
        {
            IReadOnlyList<AllocFailureReport> reports = AllocFailureReader.ReadFile(f);
            string text = FailureVerdictWriter.ToText(reports.Select(r => FailureReplay.Explain(r, f)).ToList(), f);
            foreach (string line in text.Split('\n').Where(l => l.Contains("more free pages", StringComparison.Ordinal)))
            {
                Assert.Matches(@"^    passes with [1-9][0-9]* more free pages in node [0-9]+ [A-Za-z0-9]+", line);
            }
        }
    }

    [Fact]
    public void Arm_4_9_Rza1_AtomicOrder0_OnlyHighatomicBlocks()
    {
        var v = Assert.Single(Explain("arm-4.9-rza1-atomic-highatomic-wrapped.txt"));
        Assert.Equal(("arm", 2), (v.Arch, v.Report.Line));
        // Zones Normal(0), Movable(1) ("lowmem_reserve[]: 0 0"). GFP_ATOMIC -> ALLOC_HIGH|ALLOC_HARDER:
        // min 964/4 = 241 -> 121 -> 91; free 1492/4 = 373 > 91: __zone_watermark_ok() passes, but every free block is
        // (H) and an order-0 request refills from the per-cpu lists through __rmqueue(), which never takes
        // MIGRATE_HIGHATOMIC -> the page cannot be taken.
        AssertZones(v, new Zone(0, "Normal", true, false, 373, 241, 0, 0));
        Assert.Equal(91, v.Zones[0].EffectiveMin);
        Assert.Equal(FailureClass.FreeMemoryNotUsable, v.Class);
        Assert.Equal("highatomic-blocks", v.Zones[0].Blocker);
    }

    [Fact]
    public void X86_64_6_7_Lkp_CallerIds_PassesOnDump()
    {
        var v = Assert.Single(Explain("x86_64-6.7-lkp-order1-noretry-callerid.txt"));
        // v6.7 (v6.3+ rules): GFP_KERNEL can block -> no ALLOC_NON_BLOCK, no reserves; highatomic 4096/4 = 1024 taken out.
        // Normal: 42560/4 = 10640 - 1 - 1024 = 9615 > 16040/4 = 4010, 8kB blocks (UME) -> passes.
        Assert.Equal(ReportAllocFlags.None, v.AllocFlags);
        AssertZones(v,
            new Zone(0, "Normal", true, true, 10640, 4010, 0, 0),
            new Zone(0, "DMA32", false, true, 11656, 766, 10961, 73),
            new Zone(0, "DMA", false, true, 3824, 4, 13774, 9956));
        Assert.Equal(1025, v.Zones[0].Unusable);
    }

    [Fact]
    public void X86_64_5_11_Napi_Atomic_QuotedPrintable()
    {
        var v = Assert.Single(Explain("x86_64-5.11-napi-atomic-qp-quoted.txt"));
        // Soft line breaks and =3D decoded; the oom-killer dump after it is not a report.
        Assert.Equal(("napi/eth0-523", 5), (v.Report.Comm, v.Report.Line));
        // Normal: min 78608/4 = 19652 -> 9826 -> 9826 - 2456 = 7370; 2288/4 = 572 <= 7370 -> short 7370 + 1 - 572 = 6799.
        // DMA32: min 2445 -> 1223 -> 918; 54448/4 = 13612 <= 918 + 13985 = 14903 -> short 1292.
        AssertZones(v,
            new Zone(0, "Normal", false, false, 572, 19652, 0, 6799),
            new Zone(0, "DMA32", false, true, 13612, 2445, 13985, 1292),
            new Zone(0, "DMA", false, true, 3459, 3, 15726, 12270));
        // DMA32 would pass without its lowmem reserve (13612 > 918).
        Assert.Equal("lowmem_reserve", v.Zones[1].Blocker);
        Assert.Equal(FailureClass.FreeMemoryNotUsable, v.Class);
    }

    [Fact]
    public void X86_64_6_9_Repro_NoNormalZone()
    {
        var v = Assert.Single(Explain("x86_64-6.9-repro-order1-noretry-quoted.txt"));
        // 2 GiB guest: only DMA and DMA32 populated; GFP_KERNEL's zonelist starts at DMA32.
        // DMA32: 46920/4 = 11730 - 1 = 11729 > 44628/4 = 11157 + reserve[2] 0, 8kB (UME) blocks -> passes.
        AssertZones(v,
            new Zone(0, "DMA32", true, true, 11730, 11157, 0, 0),
            new Zone(0, "DMA", false, true, 1666, 106, 1564, 6));
        Assert.Equal(FailureClass.PassesOnDump, v.Class);
    }

    [Fact]
    public void Arm64_5_10_Rockpro64_Order5_And_6_Fragmentation()
    {
        var v = Explain("arm64-5.10-rockpro64-order5-6-cma.txt");
        Assert.Equal(("arm64", 2), (v[0].Arch, v.Count));
        // arm64 5.10: DMA, DMA32, Normal, Movable, Device (5 entries); GFP_KERNEL -> index 2, Normal unpopulated.
        // Report 1, DMA32: 60196/4 = 15049 - 31 - highatomic 2048/4 = 512 - CMA 776/4 = 194 = 14312 > 49012/4 = 12253,
        // no block >= 128kB. DMA: 78096/4 = 19524 - 31 > 4130 + 2807, largest block 64kB (order 4).
        AssertZones(v[0],
            new Zone(0, "DMA32", false, false, 15049, 12253, 0, 0),
            new Zone(0, "DMA", false, false, 19524, 4130, 2807, 0));
        Assert.Equal(737, v[0].Zones[0].Unusable);
        // Report 2 (order 6): DMA32 71164/4 = 17791 - 63 - 512 - 4160/4 = 1040 = 16176 > 12253, largest block 128kB.
        AssertZones(v[1],
            new Zone(0, "DMA32", false, false, 17791, 12253, 0, 0),
            new Zone(0, "DMA", false, false, 42888, 4130, 2807, 0));
        Assert.All(v, r => Assert.Equal(FailureClass.NoFreeBlockOfOrder, r.Class));
    }

    [Fact]
    public void X86_64_5_4_Ceph_AtomicInSoftirq()
    {
        var v = Assert.Single(Explain("x86_64-5.4-ceph-atomic-irq-quoted.txt"));
        Assert.True(v.Report.InterruptContext);
        // Normal: min 56392/4 = 14098 -> 7049 -> 7049 - 1762 = 5287; 20672/4 = 5168 <= 5287 -> short 120.
        // DMA32: min 37680/4 = 9420 -> 4710 -> 3533; 31476/4 = 7869 <= 3533 + 4433 = 7966 -> short 98.
        AssertZones(v,
            new Zone(0, "Normal", false, true, 5168, 14098, 0, 120),
            new Zone(0, "DMA32", false, true, 7869, 9420, 4433, 98),
            new Zone(0, "DMA", false, true, 3977, 33, 7878, 3915));
    }

    [Fact]
    public void X86_64_4_4_Vhost_HexOnlyMask()
    {
        var v = Assert.Single(Explain("x86_64-4.4-vhost-order4-hexonly-qp.txt"));
        // v4.4 prints only "mode:0x24040c0": KSWAPD_RECLAIM 0x2000000 | DIRECT_RECLAIM 0x400000 | COMP 0x4000 |
        // FS 0x80 | IO 0x40 = GFP_KERNEL|__GFP_COMP in the v4.4 layout.
        Assert.Null(v.Report.FlagNames);
        Assert.Equal(GfpFlags.KswapdReclaim | GfpFlags.DirectReclaim | GfpFlags.Comp | GfpFlags.Fs | GfpFlags.Io, v.Gfp);
        // Normal: 15992/4 = 3998 - 15 = 3983 > 14240/4 = 3560, largest block 16kB (order 2) -> fails.
        // DMA32: 58268/4 = 14567 - 15 = 14552 > 1888/4 = 472 + 14038 = 14510, 64kB (UME) -> passes.
        AssertZones(v,
            new Zone(0, "Normal", false, false, 3998, 3560, 0, 0),
            new Zone(0, "DMA32", true, true, 14567, 472, 14038, 0),
            new Zone(0, "DMA", false, true, 3960, 3, 15903, 11962));
        // The text names those bits as v4.4 calls them, lowest first, instead of repeating the hex mask.
        Assert.Contains("vhost-5837: order 4, __GFP_IO|__GFP_FS|__GFP_COMP|__GFP_DIRECT_RECLAIM|__GFP_KSWAPD_RECLAIM (mode 0x24040c0, names from the v4.4-v4.9 bit layout)",
            FailureVerdictWriter.ToText([v], "vhost.txt"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x20u, "__GFP_HIGH")] // v4.4 gfp.h: ___GFP_HIGH 0x20 (the 3.x GFP_ATOMIC of ixgbe/napi reports)
    [InlineData(0x2080020u, "__GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM")] // v4.4 GFP_ATOMIC
    [InlineData(0x500u, "__GFP_COLD|__GFP_REPEAT")] // 0x100 and 0x400: names v4.4 had and later kernels dropped
    [InlineData(0x4000001u, "__GFP_DMA|0x4000000")] // bit 26 has no v4.4 name
    [InlineData(0u, "0")]
    public void HexOnlyMaskNamesAreV4_4Bits(uint mask, string names) => Assert.Equal(names, GfpTable.NamesV4_4(mask));

    [Fact]
    public void X86_64_4_9_Ixgbe_TwoNodes_DmesgT()
    {
        var v = Assert.Single(Explain("x86_64-4.9-ixgbe-atomic-numa-dmesg-T-qp.txt"));
        // Node 0 Normal: min 19108/4 = 4777 -> 2389 -> 1792; 6672/4 = 1668 <= 1792 -> short 125.
        // Node 0 DMA32: min 164 -> 82 -> 62; 46359 <= 62 + 46335 = 46397 -> short 39.
        // Node 1 Normal: min 19952/4 = 4988 -> 2494 -> 1871; 7108/4 = 1777 -> short 95.
        AssertZones(v,
            new Zone(0, "Normal", false, true, 1668, 4777, 0, 125),
            new Zone(0, "DMA32", false, true, 46359, 164, 46335, 39),
            new Zone(0, "DMA", false, true, 3974, 1, 47927, 43955),
            new Zone(1, "Normal", false, true, 1777, 4988, 0, 95));
    }

    [Fact]
    public void Arm_5_18_Rza2_Kernel_And_Memalloc()
    {
        var v = Explain("arm-5.18-rza2-nfs-swap-memalloc-qp.txt");
        Assert.Equal(new[] { 17, 90 }, v.Select(r => r.Report.Line));
        // Report 1: Normal free 0, min 5044/4 = 1261 (boost 1024 included; GFP_KERNEL gets no unboosted retry) ->
        // 0 <= 1261 -> short 1262: not enough free memory.
        AssertZones(v[0], new Zone(0, "Normal", false, false, 0, 1261, 0, 1262));
        Assert.Equal(FailureClass.NotEnoughFreeMemory, v[0].Class);
        // Report 2: __GFP_MEMALLOC -> ALLOC_NO_WATERMARKS; nothing free at all -> no block of order 0.
        Assert.True((v[1].AllocFlags & ReportAllocFlags.NoWatermarks) != 0);
        AssertZones(v[1], new Zone(0, "Normal", false, false, 0, 237, 0, 238));
        Assert.Equal(FailureClass.NoFreeBlockOfOrder, v[1].Class);
    }

    [Fact]
    public void Ppc32_6_9_Kswapd_PfMemalloc()
    {
        var v = Explain("ppc32-6.9-kswapd-pfmemalloc-quoted.txt");
        Assert.Equal(2, v.Count);
        // ppc32: DMA(0) holds all lowmem, Normal(1) empty, HighMem(2), Movable(3); GFP_KERNEL -> Normal, reserve[1] = 0.
        Assert.Equal(new[] { "DMA", "Normal", "HighMem", "Movable" }, v[0].Layout.Names);
        // kswapd runs with PF_MEMALLOC -> ALLOC_NO_WATERMARKS; DMA has no free block at all.
        // DMA: 56/4 = 14 <= 11208/4 = 2802 -> short 2789 (the check itself, for the JSON contract).
        AssertZones(v[0], new Zone(0, "DMA", false, false, 14, 2802, 0, 2789));
        Assert.All(v, r => Assert.Equal(FailureClass.NoFreeBlockOfOrder, r.Class));
    }

    [Fact]
    public void TwentyRealReports()
    {
        string[] files = Directory.GetFiles(FixturePath.Get("explain"), "*.txt")
            .Where(f => !Path.GetFileName(f).StartsWith("no-report", StringComparison.Ordinal)
                && !Path.GetFileName(f).StartsWith("truncated", StringComparison.Ordinal)).ToArray();
        int total = files.Sum(f => AllocFailureReader.ReadFile(f).Count);
        Assert.True(total >= 20, $"{total} reports");
        Assert.All(files, f => Assert.True(File.Exists(Path.ChangeExtension(f, ".source")), f));
    }
}
