using System.Text;
using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Hotplug;

/// <summary>A hot-pluggable DIMM present at boot (QEMU <c>-device pc-dimm</c>), added by ACPI as one static memory group.</summary>
/// <param name="Base">Physical base address (memory block aligned).</param>
/// <param name="Size">Size in bytes (a multiple of the memory block size).</param>
/// <param name="Node">NUMA node.</param>
public readonly record struct Dimm(ulong Base, ulong Size, int Node = 0);

/// <summary>
/// Memory hotplug on a <see cref="Machine"/>: the memory block devices with their state, <c>online</c> /
/// <c>online_kernel</c> / <c>online_movable</c> / <c>offline</c> writes with the kernel's zone choice
/// (<c>zone_for_pfn_range()</c>), <c>offline_pages()</c> with its failure rules, the zone accounting after each
/// change (present, managed, span, watermarks via <c>init_per_zone_wmark_min()</c>, zonelists) and
/// <c>valid_zones</c>. Mirrors mm/memory_hotplug.c and drivers/base/memory.c of Linux 6.1.
/// </summary>
public sealed class MemoryHotplug : IDisposable
{
    private readonly Machine _m;
    private readonly SortedDictionary<ulong, HotplugBlock> _blocks = new();
    private readonly ulong[] _presentEarly;
    private readonly List<(ulong From, ulong To, int Order)> _moves = new();
    private readonly MigrationList _sources;

    /// <summary>Creates the hotplug model over a booted machine whose boot memory blocks are all online.</summary>
    /// <param name="machine">The machine (its zones must include empty ones, e.g. built by <see cref="LayoutMachineSpec"/>).</param>
    /// <param name="blocks">The boot memory blocks (<see cref="BootLayout.MemoryBlocks"/>).</param>
    /// <param name="blockPages">Pages per memory block.</param>
    /// <param name="sectionPages">PAGES_PER_SECTION.</param>
    /// <param name="config">The hotplug settings.</param>
    public MemoryHotplug(Machine machine, IEnumerable<MemoryBlock> blocks, ulong blockPages, ulong sectionPages, HotplugConfig config)
    {
        if (blockPages < Pageblock.MaxOrderNrPages || blockPages % sectionPages != 0)
        {
            throw new ArgumentException($"a memory block of {blockPages} pages is not a multiple of a section ({sectionPages}) and MAX_ORDER", nameof(blockPages));
        }
        _m = machine;
        _sources = new MigrationList(machine);
        BlockPages = blockPages;
        SectionPages = sectionPages;
        Config = config;
        _m.MaterializeAll();
        _presentEarly = _m.Zones.Select(z => z.PresentPages).ToArray();
        foreach (MemoryBlock b in blocks)
        {
            var hb = new HotplugBlock(b.Index, b.StartPfn(blockPages), blockPages, Math.Max(b.Node, 0), early: true, group: null)
            {
                State = BlockState.Online,
            };
            if (b.Zone is ZoneType t && b.Node >= 0)
            {
                hb.Zone = _m.Zones[b.Node * _m.MaxNrZones + (int)t];
            }
            _blocks[b.Index] = hb;
        }
    }

    /// <summary>Disposes the machine.</summary>
    public void Dispose() => _m.Dispose();

    /// <summary>The machine.</summary>
    public Machine Machine => _m;

    /// <summary>The settings.</summary>
    public HotplugConfig Config { get; }

    /// <summary>Pages per memory block.</summary>
    public ulong BlockPages { get; }

    /// <summary>PAGES_PER_SECTION.</summary>
    public ulong SectionPages { get; }

    /// <summary>PAGES_PER_SUBSECTION: 2 MiB (SUBSECTION_SHIFT 21) of 4 KiB pages.</summary>
    public const ulong PagesPerSubsection = 512;

    /// <summary>Memory blocks by index.</summary>
    public IReadOnlyCollection<HotplugBlock> Blocks => _blocks.Values;

    /// <summary>Pins (pfns of allocated heads) that make migration fail: the page stays and offlining retries.</summary>
    public HashSet<ulong> Pinned { get; } = new();

    /// <summary>Every kernel message printed so far.</summary>
    public List<string> Log { get; } = new();

    /// <summary>The block with index <paramref name="index"/>, or null.</summary>
    public HotplugBlock? Block(ulong index) => _blocks.GetValueOrDefault(index);

    /// <summary><c>zone-&gt;present_early_pages</c> of a zone (boot memory still online in it).</summary>
    public ulong PresentEarlyPages(Zone zone) => _presentEarly[zone.Index];

    /// <summary>
    /// mirrors add_memory_resource() for a DIMM: memory blocks are created offline (one static group), then, unless
    /// <c>memhp_default_state</c> is offline, each is onlined with that type (online_memory_block()).
    /// </summary>
    public IReadOnlyList<HotplugResult> AddDimm(Dimm dimm)
    {
        ulong start = dimm.Base >> Page.Shift, pages = dimm.Size >> Page.Shift;
        if (start % BlockPages != 0 || pages == 0 || pages % BlockPages != 0)
        {
            throw new ArgumentException($"DIMM 0x{dimm.Base:x}+0x{dimm.Size:x} is not memory block aligned", nameof(dimm));
        }
        if (!_m.RangeIsOffline(start, start + pages))
        {
            throw new ArgumentException($"DIMM 0x{dimm.Base:x}+0x{dimm.Size:x} overlaps memory or lies outside the machine's map (MachineSpec.HotplugRanges)", nameof(dimm));
        }
        var group = new MemoryGroup(dimm.Node, pages);
        var added = new List<HotplugBlock>();
        for (ulong pfn = start; pfn < start + pages; pfn += BlockPages)
        {
            var hb = new HotplugBlock(pfn / BlockPages, pfn, BlockPages, dimm.Node, early: false, group) { State = BlockState.Offline };
            _blocks[hb.Index] = hb;
            added.Add(hb);
        }
        var results = new List<HotplugResult>();
        if (Config.DefaultOnlineType != OnlineType.Offline)
        {
            foreach (HotplugBlock hb in added)
            {
                results.Add(Online(hb.Index, Config.DefaultOnlineType));
            }
        }
        return results;
    }

    /// <summary>
    /// mirrors state_store(): writes "online", "online_kernel", "online_movable" or "offline" to a block's state.
    /// Anything else is -EINVAL.
    /// </summary>
    public HotplugResult WriteState(ulong index, string value)
    {
        OnlineType? t = OnlineTypes.Parse(value);
        if (t is null || !_blocks.ContainsKey(index))
        {
            return Fail(-HotplugResult.EInval, OfflineFailure.None, []);
        }
        return t == OnlineType.Offline ? Offline(index) : Online(index, t.Value);
    }

    /// <summary>
    /// mirrors device_online() → memory_subsys_online() → memory_block_online() → online_pages(): the zone comes from
    /// zone_for_pfn_range(); move_pfn_range_to_zone() grows the span (resize_zone_range); the pages are freed to the
    /// buddy allocator; present and managed grow; the zonelists are rebuilt when the zone was empty; watermarks are
    /// recomputed (init_per_zone_wmark_min()).
    /// </summary>
    public HotplugResult Online(ulong index, OnlineType type = OnlineType.Online)
    {
        if (!_blocks.TryGetValue(index, out HotplugBlock? b) || type == OnlineType.Offline)
        {
            return Fail(-HotplugResult.EInval, OfflineFailure.None, []);
        }
        if (b.State == BlockState.Online)
        {
            return Fail(-HotplugResult.EInval, OfflineFailure.AlreadyInState, []);
        }
        Zone zone = ZoneForPfnRange(type, b.Node, b.Group, b.StartPfn, b.Pages);
        bool wasPopulated = zone.PresentPages != 0;
        // move_pfn_range_to_zone() → resize_zone_range()
        ulong oldEnd = zone.EndPfn;
        ulong newStart = zone.SpannedPages == 0 || b.StartPfn < zone.StartPfn ? b.StartPfn : zone.StartPfn;
        ulong newEnd = Math.Max(b.EndPfn, zone.SpannedPages == 0 ? 0 : oldEnd);
        _m.SetZoneSpan(zone, newStart, newEnd - newStart);
        if (!_m.OnlineRange(b.StartPfn, b.EndPfn, zone))
        {
            throw new InvalidOperationException($"memory{index}: pfns [0x{b.StartPfn:x}, 0x{b.EndPfn:x}) are not offline in the machine");
        }
        AdjustPresent(b, zone, (long)b.Pages);
        if (!wasPopulated)
        {
            _m.RebuildZonelists();
        }
        _m.WatermarkCalculator.InitPerZoneWmarkMin();
        b.State = BlockState.Online;
        b.Zone = zone;
        _m.DebugCheck();
        return new HotplugResult(0, OfflineFailure.None, zone, 0, 0, []);
    }

    /// <summary>
    /// mirrors device_offline() → memory_subsys_offline() → memory_block_offline() → offline_pages(): the checks in
    /// the kernel's order (zone of the block, holes, one zone), start_isolate_page_range(MEMORY_OFFLINE) with
    /// has_unmovable_pages(), the MEM_GOING_OFFLINE notifiers, then migration passes (scan_movable_pages() +
    /// do_migrate_range()) until test_pages_isolated() holds, and the accounting: present, managed, span
    /// (shrink_zone_span()), watermarks, zonelists when the zone became empty.
    /// </summary>
    public HotplugResult Offline(ulong index)
    {
        if (!_blocks.TryGetValue(index, out HotplugBlock? b))
        {
            return Fail(-HotplugResult.EInval, OfflineFailure.None, []);
        }
        if (b.State == BlockState.Offline)
        {
            return Fail(-HotplugResult.EInval, OfflineFailure.AlreadyInState, []);
        }
        var messages = new List<string>();
        // memory_block_offline(): a block spanning zones has no mem->zone and cannot be offlined
        if (b.Zone is not Zone zone)
        {
            return Fail(-HotplugResult.EInval, OfflineFailure.MultipleZones, messages);
        }
        ulong start = b.StartPfn, end = b.EndPfn;
        // offline_pages(): walk_system_ram_range() must count every page
        if (!_m.RangeIsMemory(start, end))
        {
            return FailOffline(b, OfflineFailure.MemoryHoles, -HotplugResult.EInval, messages);
        }
        // the "multizone range" sanity check (test_pages_in_a_zone of older kernels)
        if (!_m.RangeInOneZone(start, end, out int zi) || zi != zone.Index)
        {
            return FailOffline(b, OfflineFailure.MultizoneRange, -HotplugResult.EInval, messages);
        }

        // zone_pcp_disable(): per-cpu pages go back to the buddy lists
        _m.DrainAllPages();

        // start_isolate_page_range(MEMORY_OFFLINE | REPORT_FAILURE)
        int s = _m.IndexOfPfn(start), e = _m.IndexOfPfn(end);
        var saved = new List<(int Block, MigrateType Type)>();
        for (int pb = s; pb < e; pb += (int)Pageblock.NrPages)
        {
            Machine.IsolateBlock r = _m.IsolatePageblock(pb, Machine.IsolationMode.MemOffline, out MigrateType old);
            if (r != Machine.IsolateBlock.Ok)
            {
                Undo(saved);
                ulong bad = UnmovablePfn(pb, old, zone);
                messages.Add($"page: pfn:0x{bad:x} ({PageDescription(bad)}|node={zone.Node}|zone={(int)zone.Type})");
                messages.Add("page dumped because: unmovable page");
                return FailOffline(b, OfflineFailure.IsolationFailed, -HotplugResult.EBusy, messages);
            }
            saved.Add((pb, old));
        }

        // memory_notify(MEM_GOING_OFFLINE): arm64's prevent_bootmem_remove_notifier() refuses early sections
        if (Config.PreventBootMemoryRemoval && b.Early)
        {
            ulong sec = start / SectionPages * SectionPages;
            messages.Add($"Boot memory [{sec << Page.Shift:x} {(sec + SectionPages) << Page.Shift:x}] offlining attempted");
            Undo(saved);
            return FailOffline(b, OfflineFailure.NotifierFailure, -HotplugResult.EPerm, messages);
        }

        // the migration loop: scan_movable_pages() → do_migrate_range() until -ENOENT, then test_pages_isolated()
        var heads = new List<(int Index, int Order)>();
        long migrated = 0;
        int passes = 0, idle = 0;
        while (true)
        {
            _m.AllocatedHeads(s, e, heads);
            if (heads.Count == 0)
            {
                _m.DrainAllPages();
                if (_m.OfflineIsolatedRange(start, end))
                {
                    break;
                }
                // pages still on the per-cpu lists or not yet merged: test_pages_isolated() fails, the loop repeats
            }
            foreach ((int i, _) in heads)
            {
                if (!_m.IsLruHead(i))
                {
                    // scan_movable_pages(): neither LRU nor __PageMovable nor hugetlb → -EBUSY
                    Undo(saved);
                    ulong pfn = _m.PfnAt(i);
                    messages.Add($"page: pfn:0x{pfn:x} (unmovable|node={zone.Node}|zone={(int)zone.Type})");
                    return FailOffline(b, OfflineFailure.UnmovablePage, -HotplugResult.EBusy, messages, migrated, passes);
                }
            }
            passes++;
            // do_migrate_range(): every LRU folio of the rest of the range leaves its list (isolate_lru_page,
            // NR_ISOLATED) in pfn order before migrate_pages() allocates the first target, so no target allocation's
            // reclaim can take one; a pinned folio is isolated too and fails on its extra reference
            foreach ((int i, _) in heads)
            {
                _sources.Isolate(i);
            }
            long progress = _sources.Migrate(zone.Node, Pinned, _moves, out _);
            migrated += progress;
            // migrate_pages() failed (a pinned folio after its retries, or -ENOMEM, which leaves the rest untried):
            // putback_movable_pages(); offline_pages() scans again
            _sources.Putback();
            if (progress == 0 && ++idle >= Config.MigrationPassLimit)
            {
                Undo(saved);
                return FailOffline(b, OfflineFailure.SignalBackoff, -HotplugResult.EIntr, messages, migrated, passes);
            }
        }

        // the pageblocks left MIGRATE_ISOLATE with the memmap; offline accounting done by OfflineIsolatedRange()
        AdjustPresent(b, zone, -(long)b.Pages);
        if (zone.PresentPages == 0)
        {
            _m.RebuildZonelists(); // !populated_zone(zone): zone_pcp_reset() + build_all_zonelists()
        }
        _m.WatermarkCalculator.InitPerZoneWmarkMin();
        ShrinkZoneSpan(zone, start, end);
        b.State = BlockState.Offline;
        b.Zone = null;
        _m.DebugCheck();
        return new HotplugResult(0, OfflineFailure.None, null, migrated, passes, messages);
    }

    /// <summary>
    /// mirrors valid_zones_show(): an online block prints its zone ("none" without one); an offline block prints the
    /// zone MMOP_ONLINE would pick, then the kernel zone and ZONE_MOVABLE when they differ (print_allowed_zone()).
    /// </summary>
    public string ValidZones(ulong index)
    {
        HotplugBlock b = _blocks[index];
        if (b.State == BlockState.Online)
        {
            return b.Zone?.Name ?? "none";
        }
        Zone def = ZoneForPfnRange(OnlineType.Online, b.Node, b.Group, b.StartPfn, b.Pages);
        var sb = new StringBuilder(def.Name);
        foreach (OnlineType t in new[] { OnlineType.OnlineKernel, OnlineType.OnlineMovable })
        {
            Zone z = ZoneForPfnRange(t, b.Node, b.Group, b.StartPfn, b.Pages);
            if (z != def)
            {
                sb.Append(' ').Append(z.Name);
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// mirrors zone_for_pfn_range(): online_kernel → default_kernel_zone_for_pfn(); online_movable → ZONE_MOVABLE;
    /// online → auto_movable_zone_for_pfn() or default_zone_for_pfn() by <c>online_policy</c>.
    /// </summary>
    public Zone ZoneForPfnRange(OnlineType type, int nid, MemoryGroup? group, ulong startPfn, ulong nrPages)
    {
        if (type == OnlineType.OnlineKernel)
        {
            return DefaultKernelZoneForPfn(nid, startPfn, nrPages);
        }
        if (type == OnlineType.OnlineMovable)
        {
            return ZoneOf(nid, ZoneType.Movable);
        }
        if (Config.Policy == OnlinePolicy.AutoMovable)
        {
            return AutoMovableZoneForPfn(nid, group, startPfn, nrPages);
        }
        return DefaultZoneForPfn(nid, startPfn, nrPages);
    }

    /// <summary>mirrors default_kernel_zone_for_pfn(): the first of the zones below ZONE_NORMAL the range intersects, else ZONE_NORMAL.</summary>
    public Zone DefaultKernelZoneForPfn(int nid, ulong startPfn, ulong nrPages)
    {
        for (int t = 0; t < (int)ZoneType.Normal && t < _m.MaxNrZones; t++)
        {
            Zone z = ZoneOf(nid, (ZoneType)t);
            if (ZoneIntersects(z, startPfn, nrPages))
            {
                return z;
            }
        }
        return ZoneOf(nid, ZoneType.Normal);
    }

    /// <summary>
    /// mirrors default_zone_for_pfn() (the "contig-zones" policy): the kernel zone or ZONE_MOVABLE, whichever alone
    /// the range intersects; otherwise ZONE_MOVABLE with <c>movable_node</c>, else the kernel zone.
    /// </summary>
    public Zone DefaultZoneForPfn(int nid, ulong startPfn, ulong nrPages)
    {
        Zone kernel = DefaultKernelZoneForPfn(nid, startPfn, nrPages);
        Zone movable = ZoneOf(nid, ZoneType.Movable);
        bool inKernel = ZoneIntersects(kernel, startPfn, nrPages);
        bool inMovable = ZoneIntersects(movable, startPfn, nrPages);
        if (inKernel ^ inMovable)
        {
            return inKernel ? kernel : movable;
        }
        return Config.MovableNode ? movable : kernel;
    }

    /// <summary>
    /// mirrors auto_movable_zone_for_pfn(): ZONE_MOVABLE while the movable:kernel-early ratio stays within
    /// <c>auto_movable_ratio</c> system-wide and (numa aware) on the node; a static group that already has kernel
    /// pages, or that would exceed the ratio with all its remaining pages, goes to the kernel zone.
    /// </summary>
    public Zone AutoMovableZoneForPfn(int nid, MemoryGroup? group, ulong pfn, ulong nrPages)
    {
        if (Config.AutoMovableRatio == 0)
        {
            return DefaultKernelZoneForPfn(nid, pfn, nrPages);
        }
        ulong maxPages = nrPages, onlinePages = 0;
        if (group is not null)
        {
            if (group.PresentKernelPages != 0)
            {
                return DefaultKernelZoneForPfn(nid, pfn, nrPages);
            }
            maxPages = group.MaxPages;
            onlinePages = group.PresentMovablePages;
        }
        ulong n = maxPages - onlinePages;
        if (!AutoMovableCanOnlineMovable(-1, n) || (Config.AutoMovableNumaAware && !AutoMovableCanOnlineMovable(nid, n)))
        {
            return DefaultKernelZoneForPfn(nid, pfn, n);
        }
        return ZoneOf(nid, ZoneType.Movable);
    }

    // mirrors auto_movable_can_online_movable() (no dynamic memory groups are modelled: walk_dynamic_memory_groups()
    // adds nothing); nid -1 is NUMA_NO_NODE: every populated zone.
    private bool AutoMovableCanOnlineMovable(int nid, ulong nrPages)
    {
        long kernelEarly = 0;
        ulong movable = 0;
        foreach (Zone z in _m.Zones)
        {
            if ((nid >= 0 && z.Node != nid) || z.PresentPages == 0)
            {
                continue;
            }
            // auto_movable_stats_account_zone()
            if (z.Type == ZoneType.Movable)
            {
                movable += z.PresentPages;
            }
            else
            {
                kernelEarly += (long)_presentEarly[z.Index];
                movable += z.CmaPages;
                kernelEarly -= (long)z.CmaPages;
            }
        }
        if (kernelEarly <= 0)
        {
            return false;
        }
        movable += nrPages;
        return movable <= Config.AutoMovableRatio * (ulong)kernelEarly / 100;
    }

    /// <summary>mirrors zone_intersects(): an empty zone intersects nothing.</summary>
    public static bool ZoneIntersects(Zone zone, ulong startPfn, ulong nrPages)
        => zone.SpannedPages != 0 && startPfn < zone.EndPfn && startPfn + nrPages > zone.StartPfn;

    /// <summary>
    /// The memory block devices as the project's guest dumps them: <c>block_size_bytes</c>, <c>auto_online_blocks</c>,
    /// then <c>memoryN phys_index=0x... state=... node=N valid_zones=A,B removable=1</c> (spaces in valid_zones as commas).
    /// </summary>
    public string WriteBlocks()
    {
        var sb = new StringBuilder();
        sb.Append($"block_size_bytes=0x{BlockPages << Page.Shift:x}\n");
        sb.Append($"auto_online_blocks={OnlineTypes.Name(Config.DefaultOnlineType)}\n");
        sb.Append("# name phys_index state node valid_zones removable\n");
        foreach (HotplugBlock b in _blocks.Values)
        {
            string state = b.State == BlockState.Online ? "online" : "offline";
            sb.Append($"memory{b.Index} phys_index=0x{b.Index:x8} state={state} node={b.Node} valid_zones={ValidZones(b.Index).Replace(' ', ',')} removable=1\n");
        }
        return sb.ToString();
    }

    private Zone ZoneOf(int nid, ZoneType type) => _m.Zones[nid * _m.MaxNrZones + (int)type];

    // adjust_present_page_count(): present_early_pages of early sections, the group's kernel/movable pages
    private void AdjustPresent(HotplugBlock b, Zone zone, long delta)
    {
        if (b.Early)
        {
            _presentEarly[zone.Index] = (ulong)((long)_presentEarly[zone.Index] + delta);
        }
        if (b.Group is MemoryGroup g)
        {
            if (zone.Type == ZoneType.Movable)
            {
                g.PresentMovablePages = (ulong)((long)g.PresentMovablePages + delta);
            }
            else
            {
                g.PresentKernelPages = (ulong)((long)g.PresentKernelPages + delta);
            }
        }
    }

    // mirrors shrink_zone_span() with find_smallest_section_pfn() / find_biggest_section_pfn(): only an edge moves,
    // to the nearest online subsection whose probed pfn is the zone's (page_zone() of one pfn per PAGES_PER_SUBSECTION
    // since 5.3's sub-section hotplug, so a pageblock-aligned DMB or ZONE_CMA area next to the edge is stepped over
    // without losing the zone's pages beside it); a zone left without one becomes empty (start 0, spanned 0).
    private void ShrinkZoneSpan(Zone zone, ulong start, ulong end)
    {
        ulong step = Math.Min(PagesPerSubsection, SectionPages);
        if (zone.StartPfn == start)
        {
            for (ulong pfn = end; pfn < zone.EndPfn; pfn += step)
            {
                if (SectionOnlineInZone(pfn, zone, first: true))
                {
                    _m.SetZoneSpan(zone, pfn, zone.EndPfn - pfn);
                    return;
                }
            }
            _m.SetZoneSpan(zone, 0, 0);
        }
        else if (zone.EndPfn == end)
        {
            for (long pfn = (long)start - 1; pfn >= (long)zone.StartPfn; pfn -= (long)step)
            {
                if (SectionOnlineInZone((ulong)pfn, zone, first: false))
                {
                    _m.SetZoneSpan(zone, zone.StartPfn, (ulong)pfn - zone.StartPfn + 1);
                    return;
                }
            }
            _m.SetZoneSpan(zone, 0, 0);
        }
    }

    // pfn_to_online_page() + page_zone(): the section is online (its block is online) and the pfn's page is in the zone;
    // a hole pfn of an online section carries the zone of the section's memory next to it
    private bool SectionOnlineInZone(ulong pfn, Zone zone, bool first)
    {
        if (!_blocks.TryGetValue(pfn / BlockPages, out HotplugBlock? b) || b.State != BlockState.Online || b.Node != zone.Node)
        {
            return false;
        }
        int zi = _m.ZoneIndexOf(pfn);
        if (zi < 0)
        {
            ulong sec = pfn / SectionPages * SectionPages;
            zi = first ? _m.FirstZoneIn(sec, sec + SectionPages) : _m.LastZoneIn(sec, sec + SectionPages);
        }
        return zi == zone.Index;
    }

    // has_unmovable_pages() returns the first page of a CMA pageblock, else the offending page
    private ulong UnmovablePfn(int pb, MigrateType mt, Zone zone)
    {
        ulong first = _m.PfnAt(pb);
        if (mt == MigrateType.Cma)
        {
            return first;
        }
        for (int p = pb; p < pb + (int)Pageblock.NrPages; p++)
        {
            if (_m.KindAt(p) == Machine.KindReserved || (zone.Type != ZoneType.Movable && _m.KindAt(p) == Machine.KindAlloc && !_m.IsLruHead(p)))
            {
                return _m.PfnAt(p);
            }
        }
        return first;
    }

    private string PageDescription(ulong pfn)
    {
        int i = _m.IndexOfPfn(pfn);
        return _m.PageblockTypeAt(i) == MigrateType.Cma ? "cma" : _m.KindAt(i) == Machine.KindReserved ? "reserved" : "unmovable";
    }

    private void Undo(List<(int Block, MigrateType Type)> saved)
    {
        foreach ((int pb, MigrateType t) in saved)
        {
            _m.UndoIsolatePageblock(pb, t);
        }
        saved.Clear();
    }

    private HotplugResult FailOffline(HotplugBlock b, OfflineFailure failure, int errno, List<string> messages, long migrated = 0, int passes = 0)
    {
        // offline_pages() failed_removal: pr_debug("memory offlining [mem %#010llx-%#010llx] failed due to %s\n")
        var r = new HotplugResult(errno, failure, null, migrated, passes, messages);
        messages.Add($"memory offlining [mem 0x{b.StartPfn << Page.Shift:x8}-0x{(b.EndPfn << Page.Shift) - 1:x8}] failed due to {r.Reason}");
        Log.AddRange(messages);
        _m.DebugCheck();
        return r;
    }

    private HotplugResult Fail(int errno, OfflineFailure failure, List<string> messages)
    {
        Log.AddRange(messages);
        return new HotplugResult(errno, failure, null, 0, 0, messages);
    }
}
