using ZoneLab.Allocator;
using ZoneLab.Hotplug;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Hotplug;

/// <summary>
/// Hand-derived memory hotplug cases on QEMU pc guests (128 MiB blocks, 32768 pages): zone choice
/// (zone_for_pfn_range with the contig-zones and auto-movable policies), valid_zones, the reasons offline_pages()
/// fails, migration out of ZONE_MOVABLE, and the zone accounting. The invariant checker runs after every step.
/// </summary>
public class HotplugRuleTests
{
    private const ulong BlockPages = 32768;

    private static MemoryHotplug Pc(ulong ramGiB, string cmdline, IReadOnlyList<Dimm>? dimms = null, KernelConfig? config = null)
    {
        var b = new LayoutBuilder().FromQemu(ramGiB << 30).WithCommandLine(cmdline);
        if (config is not null)
        {
            b.WithKernelConfig(config);
        }
        return HotplugMachine.Create(b.Build(), new HotplugOptions { Dimms = dimms ?? [], DebugChecks = true });
    }

    private static Zone Z(MemoryHotplug hp, ZoneType t) => hp.Machine.Zones[(int)t];

    [Fact]
    public void Contig_zones_valid_zones_offer_the_touching_zone_first()
    {
        // 2 GiB, movablecore=512M: DMA32 [0x1000, 0x60000), Movable [0x60000, 0x7ffe0): blocks 1..11 DMA32, 12..15 Movable
        using MemoryHotplug hp = Pc(2, "movablecore=512M");
        Assert.Equal("Movable", hp.ValidZones(13));
        Assert.True(hp.Offline(13).Success);
        // middle of ZONE_MOVABLE: the span stays; MMOP_ONLINE → Movable (only ZONE_MOVABLE intersects), kernel zone Normal
        Assert.Equal(0x60000UL, Z(hp, ZoneType.Movable).StartPfn);
        Assert.Equal("Movable Normal", hp.ValidZones(13));
        Assert.True(hp.Offline(5).Success);
        Assert.Equal("DMA32 Movable", hp.ValidZones(5));
        // the lowest Movable block: Movable still intersects (its span starts at 0x60000)
        Assert.True(hp.Offline(12).Success);
        // the span's first edge moves to the next online Movable section, 14 (13 is offline)
        Assert.Equal(0x70000UL, Z(hp, ZoneType.Movable).StartPfn);
        Assert.Equal("Normal Movable", hp.ValidZones(12));
        Assert.Equal("Normal Movable", hp.ValidZones(13));
        // online_kernel 13 creates ZONE_NORMAL; then 12 touches Normal (span [0x68000, 0x70000)? no: it touches neither
        HotplugResult r = hp.Online(13, OnlineType.OnlineKernel);
        Assert.Equal(ZoneType.Normal, r.Zone!.Type);
        Assert.Equal(0x68000UL, Z(hp, ZoneType.Normal).StartPfn);
        Assert.Equal(BlockPages, Z(hp, ZoneType.Normal).SpannedPages);
        Assert.Contains(Z(hp, ZoneType.Normal).Index, hp.Machine.Zonelist(0));
        Assert.Equal("Normal Movable", hp.ValidZones(12));
        // online (contig-zones) of 12: neither intersects → the kernel zone; Normal grows down to 0x60000
        Assert.Equal(ZoneType.Normal, hp.Online(12).Zone!.Type);
        Assert.Equal(0x60000UL, Z(hp, ZoneType.Normal).StartPfn);
        Assert.Equal(2 * BlockPages, Z(hp, ZoneType.Normal).SpannedPages);
        // offlining Normal's blocks empties it: span 0, rebuilt zonelists without it
        Assert.True(hp.Offline(12).Success);
        Assert.True(hp.Offline(13).Success);
        Assert.Equal(0UL, Z(hp, ZoneType.Normal).SpannedPages);
        Assert.Equal(0UL, Z(hp, ZoneType.Normal).PresentPages);
        Assert.DoesNotContain(Z(hp, ZoneType.Normal).Index, hp.Machine.Zonelist(0));
        // online_movable 5 in the middle of DMA32: Movable grows down to it
        Assert.Equal(ZoneType.Movable, hp.Online(5, OnlineType.OnlineMovable).Zone!.Type);
        Assert.Equal(5 * BlockPages, Z(hp, ZoneType.Movable).StartPfn);
        Assert.Equal("Movable", hp.ValidZones(5));
        // now block 12 touches Movable's span: MMOP_ONLINE picks Movable
        Assert.Equal("Movable Normal", hp.ValidZones(12));
    }

    [Fact]
    public void Movable_node_makes_untouched_ranges_movable()
    {
        // a DIMM at 4 GiB touches neither the kernel zone nor ZONE_MOVABLE: movable_node_enabled → Movable first
        using MemoryHotplug hp = Pc(2, "movable_node", [new Dimm(4UL << 30, 1UL << 30)]);
        Assert.True(hp.Config.MovableNode);
        Assert.Equal("Movable Normal", hp.ValidZones(32));
        Assert.Equal(ZoneType.Movable, hp.Online(32).Zone!.Type);
    }

    [Fact]
    public void Auto_movable_ratio_decides_between_movable_and_kernel()
    {
        // kernel early pages: DMA 3998 + DMA32 389120 present = 393118; 301% of it = 1183285 pages
        const string cmd = "movablecore=512M memory_hotplug.online_policy=auto-movable";
        using (MemoryHotplug hp = Pc(2, cmd))
        {
            Assert.Equal(OnlinePolicy.AutoMovable, hp.Config.Policy);
            Assert.Equal(301u, hp.Config.AutoMovableRatio);
            Assert.True(hp.Offline(12).Success);
            // movable 98272 + 32768 ≤ 1183285 → Movable first, Normal offered
            Assert.Equal("Movable Normal", hp.ValidZones(12));
        }
        using (MemoryHotplug hp = Pc(2, cmd + " memory_hotplug.auto_movable_ratio=10"))
        {
            Assert.True(hp.Offline(12).Success);
            // 131040 > 10% of 393118 → the kernel zone
            Assert.Equal("Normal Movable", hp.ValidZones(12));
        }
        // a DIMM is one static group: all of it must fit. 4 GiB: 131040 + 1048576 = 1179616 ≤ 1183285 → Movable
        var dimm4 = new Dimm(4UL << 30, 4UL << 30);
        using (MemoryHotplug hp = Pc(2, cmd + " memhp_default_state=online", [dimm4]))
        {
            Assert.All(hp.Blocks.Where(b => !b.Early), b => Assert.Equal(ZoneType.Movable, b.Zone!.Type));
            Assert.Equal(131040UL + (1UL << 20), Z(hp, ZoneType.Movable).PresentPages);
        }
        // 5 GiB: 131040 + 1310720 > 1183285 → ZONE_NORMAL, and the group stays in it (present_kernel_pages)
        var dimm5 = new Dimm(4UL << 30, 5UL << 30);
        using (MemoryHotplug hp = Pc(2, cmd + " memhp_default_state=online", [dimm5]))
        {
            Assert.All(hp.Blocks.Where(b => !b.Early), b => Assert.Equal(ZoneType.Normal, b.Zone!.Type));
            Assert.Equal(5UL << 18, Z(hp, ZoneType.Normal).PresentPages);
            Assert.Equal(0x100000UL, Z(hp, ZoneType.Normal).StartPfn);
        }
    }

    [Fact]
    public void Dimm_stays_offline_by_default_and_offers_normal_then_movable()
    {
        var dimm = new Dimm(4UL << 30, 1UL << 30);
        using MemoryHotplug hp = Pc(2, string.Empty, [dimm]);
        Assert.Equal(OnlineType.Offline, hp.Config.DefaultOnlineType);
        HotplugBlock first = hp.Block(32)!;
        Assert.Equal(BlockState.Offline, first.State);
        Assert.Equal("Normal Movable", hp.ValidZones(32));
        long free = hp.Machine.TotalFreePages();
        Assert.True(hp.WriteState(32, "online").Success);
        Assert.Equal(free + (long)BlockPages, hp.Machine.TotalFreePages());
        // block 33 does not touch Normal [0x100000, 0x108000): kernel zone by default
        Assert.Equal("Normal Movable", hp.ValidZones(33));
        Assert.True(hp.WriteState(33, "online_movable").Success);
        Assert.Equal("Movable", hp.ValidZones(33));
        // writing the state a block already has is -EINVAL; so is an unknown value
        Assert.Equal(-HotplugResult.EInval, hp.WriteState(33, "online").Errno);
        Assert.Equal(-HotplugResult.EInval, hp.WriteState(34, "online_dma").Errno);
        // offline again: hot-added memory has no reservations, everything is free → success, back to offline
        Assert.True(hp.WriteState(32, "offline").Success);
        Assert.Equal(0UL, Z(hp, ZoneType.Normal).SpannedPages);
        Assert.Equal(free, hp.Machine.TotalFreePages() - (long)BlockPages);
    }

    [Fact]
    public void Unmovable_page_in_a_kernel_zone_fails_isolation_with_ebusy()
    {
        using MemoryHotplug hp = Pc(2, string.Empty);
        Machine m = hp.Machine;
        m.DebugChecks = false; // the checker walks every pfn: run it around the hotplug steps, not after each allocation
        // a kernel allocation lands in DMA32 (the highest zone); find a block holding one outside the boot reservations
        HotplugBlock? target = null;
        for (int k = 0; k < 400 && target is null; k++)
        {
            AllocResult a = m.Allocate(Pageblock.MaxOrder, Gfp.Kernel, 0, PageUse.Kernel);
            Assert.True(a.Success);
            HotplugBlock b = hp.Block(a.Pfn / BlockPages)!;
            if (b.Index is > 0 and < 15)
            {
                target = b;
            }
        }
        Assert.NotNull(target);
        m.DebugChecks = true;
        long free = m.TotalFreePages();
        HotplugResult r = hp.Offline(target!.Index);
        Assert.Equal(-HotplugResult.EBusy, r.Errno);
        Assert.Equal(OfflineFailure.IsolationFailed, r.Failure);
        Assert.Equal("Device or resource busy", r.Text);
        Assert.Contains("page dumped because: unmovable page", r.Messages);
        Assert.Contains(r.Messages, l => l.EndsWith("failed due to failure to isolate range", StringComparison.Ordinal));
        // the isolation was undone: nothing left MIGRATE_ISOLATE, free pages unchanged
        Assert.Equal(BlockState.Online, target.State);
        Assert.Equal(0, Z(hp, ZoneType.Dma32).NrIsolatePageblock);
        Assert.Equal(free, m.TotalFreePages());
    }

    [Fact]
    public void Movable_pages_in_zone_movable_are_migrated_and_the_block_goes_offline()
    {
        using MemoryHotplug hp = Pc(2, "movablecore=512M");
        Machine m = hp.Machine;
        m.DebugChecks = false; // the checker walks every pfn: run it around the hotplug steps, not after each allocation
        var pfns = new List<ulong>();
        for (int k = 0; k < 40000; k++)
        {
            AllocResult a = m.Allocate(0, Gfp.HighUserMovable, 0, k % 2 == 0 ? PageUse.Anon : PageUse.File);
            Assert.True(a.Success);
            pfns.Add(a.Pfn);
        }
        // the Movable block (12..14: 15 has a hole) holding most of them
        IGrouping<ulong, ulong> busiest = pfns.Where(p => p / BlockPages is >= 12 and <= 14).GroupBy(p => p / BlockPages).OrderByDescending(g => g.Count()).First();
        Assert.True(busiest.Count() > 1000);
        long freeBefore = m.TotalFreePages();
        ulong movablePresent = Z(hp, ZoneType.Movable).PresentPages;
        HotplugResult r = hp.Offline(busiest.Key);
        Assert.True(r.Success, r.Reason);
        Assert.Equal(busiest.Count(), r.Migrated);
        Assert.True(r.Passes >= 1);
        // the block's free pages left with it; the migrated pages took free pages elsewhere
        Assert.Equal(freeBefore - ((long)BlockPages - busiest.Count()) - busiest.Count(), m.TotalFreePages());
        Assert.Equal(movablePresent - BlockPages, Z(hp, ZoneType.Movable).PresentPages);
        Assert.Equal(BlockState.Offline, hp.Block(busiest.Key)!.State);
        InvariantChecker.Check(m);
    }

    [Fact]
    public void Pinned_page_makes_offlining_retry_until_the_signal_limit()
    {
        using MemoryHotplug hp = Pc(2, "movablecore=512M");
        Machine m = hp.Machine;
        m.DebugChecks = false; // the checker walks every pfn: run it around the hotplug steps, not after each allocation
        AllocResult a = default;
        for (int k = 0; k < 200000; k++)
        {
            a = m.Allocate(0, Gfp.HighUserMovable, 0, PageUse.Anon);
            if (a.Pfn / BlockPages is >= 12 and <= 14)
            {
                break;
            }
        }
        ulong block = a.Pfn / BlockPages;
        m.DebugChecks = true;
        hp.Pinned.Add(a.Pfn);
        HotplugResult r = hp.Offline(block);
        Assert.Equal(-HotplugResult.EIntr, r.Errno);
        Assert.Equal("signal backoff", r.Reason);
        Assert.Equal(hp.Config.MigrationPassLimit, r.Passes);
        Assert.True(m.IsAllocatedHead(a.Pfn, out _));
        Assert.Equal(MigrateType.Movable, m.PageblockType(block * BlockPages));
        Assert.Equal(BlockState.Online, hp.Block(block)!.State);
    }

    [Fact]
    public void Cma_pageblocks_cannot_be_offlined()
    {
        using MemoryHotplug hp = Pc(2, "cma=64M@1G", config: KernelConfig.CmaAmd64);
        ulong cmaBase = 0x40000;
        Assert.Equal(MigrateType.Cma, hp.Machine.PageblockType(cmaBase));
        HotplugResult r = hp.Offline(cmaBase / BlockPages);
        Assert.Equal(-HotplugResult.EBusy, r.Errno);
        Assert.Equal(OfflineFailure.IsolationFailed, r.Failure);
        Assert.Contains(r.Messages, l => l.Contains("pfn:0x40000 (cma", StringComparison.Ordinal));
        Assert.Contains("memory offlining [mem 0x40000000-0x47ffffff] failed due to failure to isolate range", r.Messages);
        Assert.Equal(MigrateType.Cma, hp.Machine.PageblockType(cmaBase));
        // the block next to it is ordinary DMA32 memory
        Assert.True(hp.Offline(cmaBase / BlockPages + 1).Success);
    }

    [Fact]
    public void Block_spanning_two_zones_is_einval()
    {
        // movablecore=500M puts the Movable start inside a block: that block has no mem->zone
        using MemoryHotplug hp = Pc(2, "movablecore=500M");
        HotplugBlock split = hp.Blocks.Single(b => b.Index > 0 && b.Zone is null);
        Assert.Equal("none", hp.ValidZones(split.Index));
        HotplugResult r = hp.Offline(split.Index);
        Assert.Equal(-HotplugResult.EInval, r.Errno);
        Assert.Equal(OfflineFailure.MultipleZones, r.Failure);
        Assert.Equal(-HotplugResult.EInval, hp.Offline(0).Errno); // DMA + DMA32
    }
}
