using System.Text.Json;

namespace ZoneLab.Tests.Cli;

/// <summary>
/// <c>zonelab explain FILE --from DIR</c>: each report's request reissued on designs booted from a real snapshot.
/// The reports and snapshots come from different machines; expected values are worked out from the snapshot's
/// buddyinfo/pagetypeinfo/zoneinfo by hand (comments), never pasted from the output.
/// </summary>
public sealed class ExplainWhatIfTests
{
    private static string Report(string name) => FixturePath.Get("explain", name);

    private static string Snapshot(string machine, string step) => FixturePath.Get("snapshot", machine, step);

    private static JsonElement WhatIf(JsonDocument doc, int report, string design)
    {
        foreach (JsonElement w in doc.RootElement.GetProperty("reports")[report].GetProperty("whatif").EnumerateArray())
        {
            if (w.GetProperty("design").GetString() == design)
            {
                return w;
            }
        }

        throw new Xunit.Sdk.XunitException($"no whatif entry for {design}");
    }

    private static JsonElement Zone(JsonElement whatIf, string zone)
    {
        foreach (JsonElement z in whatIf.GetProperty("zones").EnumerateArray())
        {
            if (z.GetProperty("zone").GetString() == zone)
            {
                return z;
            }
        }

        throw new Xunit.Sdk.XunitException($"no zone {zone}");
    }

    [Fact]
    public void Order7Atomic_OnX86Snapshot_TakesTheOneFreeUnmovableOrder7Block_WithoutReclaim()
    {
        // chrome: order:7 GFP_ATOMIC (x86_64 5.13). Snapshot x86_64-6.1-512M/s1 has no ZONE_NORMAL, so the zonelist
        // starts at DMA32. buddyinfo DMA32: 3 9 20 10 8 8 9 6 7 7 43 → 3+18+80+80+128+256+576+768+1792+3584+44032 =
        // 51317 free pages; zoneinfo low 7016: the fast path (low watermark) passes with ample room and an order>=7 block
        // exists, so no slow path: kswapd is not woken, nothing reclaimed or compacted. pagetypeinfo DMA32 Unmovable
        // has exactly one order-7 block (…1 1 1 1 0 0 0): __rmqueue_smallest takes it, no fallback. DMA32 ends at
        // 51317 - 128 = 51189; DMA (32+64+128+512+3*1024 = 3808) is untouched.
        var (exit, stdout, stderr) = ZonelabProcess.Run("explain", Report("x86_64-5.13-chrome-order7-atomic-syslog.txt"),
            "--from", Snapshot("x86_64-6.1-512M", "s1"), "--design", "migrate-cma", "--format", "json");
        Assert.True(exit == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement w = WhatIf(doc, 0, "migrate-cma");
        Assert.True(w.GetProperty("succeeded").GetBoolean());
        Assert.Equal("Node 0 DMA32", w.GetProperty("zone").GetString());
        Assert.Equal("Unmovable", w.GetProperty("migratetype").GetString());
        Assert.Equal(JsonValueKind.Null, w.GetProperty("fallback_from").ValueKind);
        Assert.Equal(0, w.GetProperty("reclaimed_pages").GetInt64());
        Assert.Equal(0, w.GetProperty("compact_stalls").GetInt64());
        Assert.Equal(0, w.GetProperty("kswapd_wakeups").GetInt64());
        JsonElement dma32 = Zone(w, "DMA32");
        Assert.Equal(51317, dma32.GetProperty("free_before").GetInt64());
        Assert.Equal(51189, dma32.GetProperty("free_after").GetInt64());
        Assert.Equal("ok", dma32.GetProperty("watermark_state").GetString());
        Assert.Equal(3808, Zone(w, "DMA").GetProperty("free_after").GetInt64());
        // no CMA on this machine: every free page is kernel-usable
        Assert.Equal(51317 + 3808 - 128, w.GetProperty("kernel_usable_free_after").GetInt64());
        Assert.Equal(0, w.GetProperty("movable_only_free_after").GetInt64());
        Assert.Single(doc.RootElement.GetProperty("reports")[0].GetProperty("whatif").EnumerateArray());
        Assert.Contains("snapshot's", doc.RootElement.GetProperty("whatif_note").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void KernelOrder5And6_OnArm64CmaSnapshot_ComeFromUnmovable_AndLeaveCmaFree_OnEveryCmaDesign()
    {
        // rockpro64: order:5 then order:6 GFP_KERNEL|__GFP_COMP|__GFP_ZERO (unmovable, no ALLOC_CMA). Snapshot
        // arm64-6.1-768M-cma64M/s1: one zone, DMA. buddyinfo 2 1 2 1 2 1 2 4 3 3 73 → 2+2+8+8+32+32+128+512+768+1536+74752
        // = 77780 free; CMA row 0 0 0 0 0 1 0 1 1 1 15 → 32+128+256+512+15360 = 16288 free CMA pages; so
        // 77780-16288 = 61492 free pages a kernel request may use. Unmovable row 1 0 1 0 0 0 1 1 0 1 0: the order-5
        // request splits the order-6 Unmovable block, the order-6 one takes it whole; no fallback, no reclaim.
        var (exit, stdout, stderr) = ZonelabProcess.Run("explain", Report("arm64-5.10-rockpro64-order5-6-cma.txt"),
            "--from", Snapshot("arm64-6.1-768M-cma64M", "s1"), "--designs", "migrate-cma,zone-cma", "--format", "json");
        Assert.True(exit == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        int[] pages = [32, 64];
        for (int r = 0; r < 2; r++)
        {
            foreach (string design in new[] { "migrate-cma", "zone-cma" })
            {
                JsonElement w = WhatIf(doc, r, design);
                Assert.True(w.GetProperty("succeeded").GetBoolean());
                Assert.Equal("Node 0 DMA", w.GetProperty("zone").GetString());
                Assert.Equal("Unmovable", w.GetProperty("migratetype").GetString());
                Assert.Equal(JsonValueKind.Null, w.GetProperty("fallback_from").ValueKind);
                Assert.Equal(0, w.GetProperty("reclaimed_pages").GetInt64());
                Assert.Equal(61492, w.GetProperty("kernel_usable_free_before").GetInt64());
                Assert.Equal(61492 - pages[r], w.GetProperty("kernel_usable_free_after").GetInt64());
                // the CMA memory is movable-only before and after on both designs, in MIGRATE_CMA blocks or ZONE_CMA
                Assert.Equal(16288, w.GetProperty("movable_only_free_before").GetInt64());
                Assert.Equal(16288, w.GetProperty("movable_only_free_after").GetInt64());
            }

            // migrate-cma: one zone holds it all; zone-cma: the CMA pages are a zone of their own
            Assert.Equal(77780 - pages[r], Zone(WhatIf(doc, r, "migrate-cma"), "DMA").GetProperty("free_after").GetInt64());
            Assert.Equal(61492 - pages[r], Zone(WhatIf(doc, r, "zone-cma"), "DMA").GetProperty("free_after").GetInt64());
            Assert.Equal(16288, Zone(WhatIf(doc, r, "zone-cma"), "CMA").GetProperty("free_after").GetInt64());
        }
    }

    [Fact]
    public void Text_SaysTheStateIsTheSnapshots_AndListsEachDesign()
    {
        var (exit, stdout, stderr) = ZonelabProcess.Run("explain", Report("x86_64-5.13-chrome-order7-atomic-syslog.txt"),
            "--from", Snapshot("x86_64-6.1-512M", "s1"));
        Assert.True(exit == 0, stderr);
        Assert.Contains("the memory state is the snapshot's, not the one the report dumped", stdout, StringComparison.Ordinal);
        foreach (string d in new[] { "migrate-cma", "zone-cma", "cma-in-movable", "dmb", "carveout", "gcma", "sticky-movable" })
        {
            Assert.Contains($"    {d}: succeeds from Node 0 DMA32", stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DesignWithoutFrom_OrUnknownDesign_IsAOneLineError_Exit2()
    {
        var (exit, _, stderr) = ZonelabProcess.Run("explain", Report("x86_64-5.13-chrome-order7-atomic-syslog.txt"), "--design", "zone-cma");
        Assert.Equal(2, exit);
        Assert.Contains("--from", stderr, StringComparison.Ordinal);
        var (exit2, _, stderr2) = ZonelabProcess.Run("explain", Report("x86_64-5.13-chrome-order7-atomic-syslog.txt"),
            "--from", Snapshot("x86_64-6.1-512M", "s1"), "--designs", "migrate-cma,nope");
        Assert.Equal(2, exit2);
        Assert.Single(stderr2.Trim().Split('\n'));
        Assert.Contains("'nope' is not a design", stderr2, StringComparison.Ordinal);
    }
}
