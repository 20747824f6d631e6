namespace ZoneLab.Layout;

/// <summary>
/// x86-64 boot memory setup, mirroring arch/x86/kernel/setup.c:setup_arch() (e820 edits from early params,
/// trim_bios_range, max_pfn), e820__memblock_setup(), arch/x86/mm/numa.c (SRAT blocks, numa_cleanup_meminfo,
/// dummy_numa_init), zone_sizes_init() and probe_memory_block_size(); then the generic <see cref="FreeAreaInit"/>.
/// </summary>
public static class X86Boot
{
    /// <summary>MAX_DMA_PFN: 16 MiB.</summary>
    public const ulong MaxDmaPfn = (16UL << 20) >> Page.Shift;

    /// <summary>MAX_DMA32_PFN: 4 GiB.</summary>
    public const ulong MaxDma32Pfn = 1UL << (32 - Page.Shift);

    /// <summary>SECTION_SIZE_BITS on x86-64: 128 MiB sections.</summary>
    public const int SectionSizeBits = 27;

    /// <summary>MAX_PHYSMEM_BITS with 4-level paging (46) as a pfn limit: MAX_ARCH_PFN.</summary>
    public const ulong MaxArchPfn = 1UL << (46 - Page.Shift);

    private static readonly ZoneType[] s_zones = { ZoneType.Dma, ZoneType.Dma32, ZoneType.Normal, ZoneType.Movable, ZoneType.Device };
    private static readonly ZoneType[] s_zonesNoDevice = { ZoneType.Dma, ZoneType.Dma32, ZoneType.Normal, ZoneType.Movable };

    /// <summary>The zones Debian's x86-64 kernel configures (DMA, DMA32, Normal, Movable, Device).</summary>
    public static IReadOnlyList<ZoneType> Zones => s_zones;

    /// <summary>
    /// The zones of enum zone_type for a build: ZONE_DEVICE exists only with CONFIG_ZONE_DEVICE (and is then printed
    /// as "  Device   empty" under "Zone ranges:").
    /// </summary>
    public static IReadOnlyList<ZoneType> ZonesFor(bool zoneDevice) => zoneDevice ? s_zones : s_zonesNoDevice;

    /// <summary>Computes the boot layout of an x86-64 machine for Debian's build (with ZONE_DEVICE).</summary>
    public static BootLayout Compute(MachineDescription machine, KernelCommandLine cmdline) => Compute(machine, cmdline, zoneDevice: true);

    /// <summary>
    /// Computes the boot layout of an x86-64 machine; <paramref name="zoneDevice"/> is CONFIG_ZONE_DEVICE,
    /// <paramref name="mirrored"/> replaces the boot log's mirrored ranges when given.
    /// </summary>
    public static BootLayout Compute(MachineDescription machine, KernelCommandLine cmdline, bool zoneDevice,
        IReadOnlyList<(ulong Start, ulong End)>? mirrored = null)
    {
        var warnings = new List<string>();
        foreach (string w in cmdline.Warnings)
        {
            warnings.Add(w);
        }
        if (cmdline.Unknown.Count > 0)
        {
            warnings.Add("parameters not modelled (ignored, as the kernel ignores unknown ones): " + string.Join(' ', cmdline.Unknown));
        }

        // parse_early_param(): mem= / memmap= edit the map in command-line order; e820__finish_early_params().
        E820Table e820 = machine.FirmwareE820.Clone();
        e820.UpdateTable();
        cmdline.ApplyE820Edits(e820);
        // e820__reserve_setup_data() (after parse_early_param(), before e820__finish_early_params() prints the
        // user-defined map): the boot loader's setup_data blobs become E820_TYPE_RESERVED_KERN
        foreach ((ulong ks, ulong ke) in machine.E820RamToReservedKern)
        {
            e820.RangeUpdate(ks, ke - ks, E820Type.Ram, E820Type.ReservedKern);
        }
        E820Table? userMap = cmdline.UserDefinedMap ? e820.Clone() : null;

        // trim_bios_range(): the first page is BIOS-owned; 640 KiB-1 MiB is not RAM.
        e820.RangeUpdate(0, Page.Size, E820Type.Ram, E820Type.Reserved);
        e820.RangeRemove(0xa0000, 0x100000 - 0xa0000, E820Type.Ram, true);

        // mtrr_trim_uncached_memory() and the other edits a boot log shows before e820__memblock_setup():
        // "e820: update [mem a-b] usable ==> reserved".
        foreach ((ulong ts, ulong te) in machine.E820RamToReserved)
        {
            e820.RangeUpdate(ts, te - ts, E820Type.Ram, E820Type.Reserved);
        }

        ulong maxPfn = e820.EndPfn(MaxArchPfn); // e820__end_of_ram_pfn()
        if (maxPfn == 0)
        {
            throw new ZoneLabInputException(machine.Source, "the memory map has no usable RAM (no 'usable' e820 entry left)");
        }

        // e820__memblock_setup(): memblock_add() of the RAM and RESERVED_KERN entries (adjacent ones merge into one
        // region, memblock_merge_regions()), then partial pages thrown away (memblock_trim_memory()).
        var regions = new List<(ulong S, ulong E)>();
        foreach ((ulong start, ulong end) in MemblockMemory(e820))
        {
            ulong s = Page.PfnUp(start);
            ulong t = Page.PfnDown(end);
            if (t > MaxArchPfn)
            {
                // sparse memory_present() clamps to MAX_PHYSMEM_BITS (mminit_validate_memmodel_limits()) and no zone
                // reaches past max_pfn: RAM above 64 TiB is not used by a 4-level-paging kernel
                warnings.Add($"RAM [mem 0x{Math.Max(start, MaxArchPfn << Page.Shift):x}-0x{end - 1:x}] lies above MAX_PHYSMEM_BITS (46 bits, 64 TiB with 4-level paging) and is not used");
                t = MaxArchPfn;
            }
            if (t > s)
            {
                regions.Add((s, t));
            }
        }

        List<MemblockRegion> memblock = AssignNodes(machine, cmdline, regions, maxPfn, warnings, out List<NumaMemBlock>? numaBlocks, out NumaTopology? topology);
        memblock = ApplyMirror(memblock, mirrored ?? machine.MirroredRanges);

        // DMB series: movablecore=size@base is checked against memblock while early params are parsed; on x86
        // memblock is still empty then, so every entry is rejected (the kernel prints "Malformed early option").
        var early = new List<string>();
        memblock = DesignatedMovableBlocks.Apply(memblock, cmdline, memblockPopulatedAtEarlyParams: false, dmbCount: 19, early);
        foreach (string m in early.Distinct())
        {
            warnings.Add("kernel: " + m);
        }
        foreach (string w in cmdline.Warnings)
        {
            if (!warnings.Contains(w))
            {
                warnings.Add(w);
            }
        }

        // zone_sizes_init(); on x86-64 max_low_pfn == max_pfn after init_mem_mapping().
        var maxZonePfn = new ulong[ZoneTypes.Count];
        // Before 4.0 ("x86/mm: Fix zone ranges boot printout") the DMA/DMA32 limits were not capped at max_low_pfn, so a
        // machine with less than 4 GiB (or mem=1G) still printed "DMA32    [mem 0x01000000-0xffffffff]".
        bool capped = machine.KernelVersion is not { } kv || kv >= new Version(4, 0);
        maxZonePfn[(int)ZoneType.Dma] = capped ? Math.Min(MaxDmaPfn, maxPfn) : MaxDmaPfn;
        maxZonePfn[(int)ZoneType.Dma32] = capped ? Math.Min(MaxDma32Pfn, maxPfn) : MaxDma32Pfn;
        maxZonePfn[(int)ZoneType.Normal] = maxPfn;
        maxZonePfn[(int)ZoneType.Device] = 0;

        ulong blockSize = machine.MemoryBlockSizeFromLog ?? ProbeMemoryBlockSize(maxPfn, machine.Hypervisor);

        BootLayout layout = FreeAreaInit.Compute(new FreeAreaInit.Input(
            "x86_64", memblock, ZonesFor(zoneDevice), maxZonePfn, cmdline, SectionSizeBits, blockSize, e820, warnings,
            DmbPatches: cmdline.Features.DesignatedMovableBlocks));
        layout.UserDefinedE820 = userMap;
        layout.KernelVersion = machine.KernelVersion;
        layout.NodeDataAllocatedLines = machine.NodeDataFromLog.Count > 0;
        layout.NumaNodeExtents = NodeExtents(numaBlocks, maxPfn);
        layout.MemorylessNodes = topology == null ? X86MemorylessNodes.Find(machine, numaBlocks, layout.Nodes) : [];
        layout.Numa = topology ?? NumaTopology.Uniform(layout.Nodes.Count == 0 ? 1 : layout.Nodes.Max(n => n.Nid) + 1);
        return layout;
    }

    // memblock.memory as e820__memblock_setup() adds it, in bytes: each RAM or RESERVED_KERN entry, adjacent ones
    // joined (a setup_data blob splits a usable entry in e820 but not in memblock)
    private static List<(ulong Start, ulong End)> MemblockMemory(E820Table e820)
    {
        var ranges = new List<(ulong Start, ulong End)>();
        foreach (E820Entry e in e820.Entries)
        {
            if (e.Type != E820Type.Ram && e.Type != E820Type.ReservedKern)
            {
                continue;
            }
            if (ranges.Count > 0 && ranges[^1].End == e.Start)
            {
                ranges[^1] = (ranges[^1].Start, e.End);
            }
            else
            {
                ranges.Add((e.Start, e.End));
            }
        }
        return ranges;
    }

    /// <summary>mirrors probe_memory_block_size() (arch/x86/mm/init_64.c, 6.1).</summary>
    public static ulong ProbeMemoryBlockSize(ulong maxPfn, bool hypervisor)
    {
        const ulong min = 128UL << 20, max = 2UL << 30, largeFrom = 64UL << 30;
        ulong bootMemEnd = maxPfn << Page.Shift;
        if (bootMemEnd < largeFrom)
        {
            return min;
        }
        if (!hypervisor)
        {
            return max;
        }
        ulong bz;
        for (bz = max; bz > min; bz >>= 1)
        {
            if (bootMemEnd % bz == 0)
            {
                break;
            }
        }
        return bz;
    }

    // arch/x86/mm/numa.c: x86_numa_init() → numa_init(x86_acpi_numa_init) or dummy_numa_init().
    // numa_register_memblks() → setup_node_data() (3.x): each node's span over its numa_meminfo blocks, rounded up to
    // ZONE_ALIGN; dummy_numa_init() makes one block [0, max_pfn).
    private static IReadOnlyList<(int Nid, ulong Start, ulong End)> NodeExtents(List<NumaMemBlock>? blocks, ulong maxPfn)
    {
        if (blocks == null)
        {
            return new[] { (0, 0UL, maxPfn << Page.Shift) };
        }
        const ulong zoneAlign = 1UL << (10 + Page.Shift); // 1 << (MAX_ORDER + PAGE_SHIFT)
        return blocks.GroupBy(b => b.Nid).OrderBy(g => g.Key)
            .Select(g => (g.Key, (g.Min(b => b.Start) + zoneAlign - 1) / zoneAlign * zoneAlign, g.Max(b => b.End)))
            .Where(x => x.Item2 < x.Item3)
            .ToList();
    }

    private static List<MemblockRegion> AssignNodes(MachineDescription machine, KernelCommandLine cmdline, List<(ulong S, ulong E)> regions, ulong maxPfn, List<string> warnings, out List<NumaMemBlock>? numaBlocks, out NumaTopology? topology)
    {
        List<NumaMemBlock>? blocks = null;
        if (!cmdline.NumaOff && machine.Srat.Count > 0)
        {
            blocks = NumaCleanupMeminfo(machine.Srat, regions, maxPfn, machine.Source);
            if (blocks != null && !CoversMemory(blocks, regions))
            {
                // numa_meminfo_cover_memory(): "NUMA: nodes only cover ...MB of your ...MB e820 RAM. Not used."
                warnings.Add("NUMA affinity does not cover the RAM; the kernel falls back to a single node (dummy_numa_init)");
                blocks = null;
            }
        }
        else if (!cmdline.NumaOff && cmdline.NumaFake == null && machine.EarlyNodeRanges.Count > 0 && machine.EarlyNodeRanges.Any(r => r.Nid != 0))
        {
            // No SRAT lines in the log but the kernel's own node ranges are there: use them as node blocks.
            blocks = machine.EarlyNodeRanges.Select(r => new NumaMemBlock(r.Start, r.End, r.Nid)).ToList();
        }

        // numa_init() runs numa_emulation() after numa_cleanup_meminfo() for the SRAT and for dummy_numa_init() alike
        // (so numa=off does not stop numa=fake=)
        topology = null;
        if (cmdline.NumaFake is string fake)
        {
            bool srat = blocks != null && machine.Srat.Count > 0;
            IReadOnlyList<NumaMemBlock> physical = blocks ?? [new NumaMemBlock(0, maxPfn << Page.Shift, 0)];
            int[] parsed = srat ? machine.Srat.Select(b => b.Nid).Concat(machine.SratCpuNodes).ToArray() : [0];
            var log = new List<string>();
            NumaEmulation.Result? emu = NumaEmulation.Apply(fake, physical, regions, maxPfn, parsed, log);
            warnings.AddRange(log.Select(l => "kernel: " + l));
            if (emu != null)
            {
                blocks = NumaCleanupMeminfo(emu.Blocks, regions, maxPfn, machine.Source);
                topology = emu.Topology;
            }
        }

        numaBlocks = blocks;
        var result = new List<MemblockRegion>();
        foreach ((ulong s, ulong e) in regions)
        {
            if (blocks == null)
            {
                result.Add(new MemblockRegion(s, e, 0)); // dummy_numa_init(): one node over everything
                continue;
            }
            // memblock_set_node(): regions are split at node block boundaries.
            ulong cur = s;
            var cuts = blocks
                .Select(b => (S: Math.Max(Page.PfnUp(b.Start), s), E: Math.Min(Page.PfnDown(b.End), e), b.Nid, b.Hotplug))
                .Where(c => c.E > c.S)
                .OrderBy(c => c.S)
                .ToList();
            foreach (var c in cuts)
            {
                result.Add(new MemblockRegion(c.S, c.E, c.Nid, c.Hotplug));
                cur = c.E;
            }
        }
        // Merge adjacent pieces of one node with the same flags (memblock_merge_regions()).
        var merged = new List<MemblockRegion>();
        foreach (MemblockRegion r in result.OrderBy(r => r.StartPfn))
        {
            if (merged.Count > 0 && merged[^1].EndPfn == r.StartPfn && merged[^1].Nid == r.Nid && merged[^1].Hotplug == r.Hotplug && merged[^1].Mirror == r.Mirror)
            {
                merged[^1] = merged[^1] with { EndPfn = r.EndPfn };
            }
            else
            {
                merged.Add(r);
            }
        }
        return merged;
    }

    // mirrors numa_cleanup_meminfo(): drop blocks without memory, trim to max_pfn, merge same-node blocks whose
    // joined range does not overlap another node's block.
    private static List<NumaMemBlock> NumaCleanupMeminfo(IReadOnlyList<NumaMemBlock> srat, List<(ulong S, ulong E)> regions, ulong maxPfn, string source)
    {
        ulong high = maxPfn << Page.Shift;
        var mi = new List<NumaMemBlock>();
        foreach (NumaMemBlock b in srat)
        {
            bool overlapsMemory = regions.Any(r => (r.S << Page.Shift) < b.End && (r.E << Page.Shift) > b.Start);
            if (!overlapsMemory)
            {
                continue; // moved to numa_reserved_meminfo
            }
            NumaMemBlock t = b.End > high ? b with { End = high } : b;
            if (t.Start < t.End)
            {
                mi.Add(t);
            }
        }
        for (int i = 0; i < mi.Count; i++)
        {
            for (int j = i + 1; j < mi.Count; j++)
            {
                NumaMemBlock bi = mi[i], bj = mi[j];
                if (bi.End > bj.Start && bi.Start < bj.End && bi.Nid != bj.Nid)
                {
                    throw new ZoneLabInputException(source, $"NUMA: node {bi.Nid} [mem {bi.Start:x}-{bi.End - 1:x}] overlaps with node {bj.Nid} [mem {bj.Start:x}-{bj.End - 1:x}]");
                }
                if (bi.Nid != bj.Nid)
                {
                    continue;
                }
                ulong start = Math.Min(bi.Start, bj.Start);
                ulong end = Math.Max(bi.End, bj.End);
                bool blocked = false;
                foreach (NumaMemBlock bk in mi)
                {
                    if (bk.Nid == bi.Nid)
                    {
                        continue;
                    }
                    if (start < bk.End && end > bk.Start)
                    {
                        blocked = true;
                        break;
                    }
                }
                if (blocked)
                {
                    continue;
                }
                mi[i] = bi with { Start = start, End = end, Hotplug = bi.Hotplug && bj.Hotplug };
                mi.RemoveAt(j);
                j--;
            }
        }
        // Hot-pluggable SRAT entries keep their own extent for memblock_mark_hotplug().
        var result = new List<NumaMemBlock>();
        foreach (NumaMemBlock b in mi)
        {
            result.Add(b with { Hotplug = false });
        }
        foreach (NumaMemBlock h in srat.Where(s => s.Hotplug))
        {
            // Split the node block so the hot-pluggable part carries the flag.
            for (int k = 0; k < result.Count; k++)
            {
                NumaMemBlock b = result[k];
                ulong s = Math.Max(b.Start, h.Start), e = Math.Min(b.End, h.End);
                if (s >= e || b.Nid != h.Nid)
                {
                    continue;
                }
                result.RemoveAt(k);
                if (b.Start < s)
                {
                    result.Insert(k++, b with { End = s });
                }
                result.Insert(k++, b with { Start = s, End = e, Hotplug = true });
                if (e < b.End)
                {
                    result.Insert(k, b with { Start = e });
                }
                k--;
            }
        }
        return result;
    }

    // numa_meminfo_cover_memory(): the node blocks must cover all but 1 MiB of RAM.
    private static bool CoversMemory(List<NumaMemBlock> blocks, List<(ulong S, ulong E)> regions)
    {
        ulong total = 0, covered = 0;
        foreach ((ulong s, ulong e) in regions)
        {
            total += e - s;
            foreach (NumaMemBlock b in blocks)
            {
                ulong a = Math.Max(s, Page.PfnUp(b.Start)), z = Math.Min(e, Page.PfnDown(b.End));
                if (z > a)
                {
                    covered += z - a;
                }
            }
        }
        return total - covered < ((1UL << 20) >> Page.Shift);
    }

    private static List<MemblockRegion> ApplyMirror(List<MemblockRegion> memblock, IReadOnlyList<(ulong Start, ulong End)> mirrored)
    {
        if (mirrored.Count == 0)
        {
            return memblock;
        }
        var result = new List<MemblockRegion>();
        foreach (MemblockRegion r in memblock)
        {
            var points = new SortedSet<ulong> { r.StartPfn, r.EndPfn };
            foreach ((ulong s, ulong e) in mirrored)
            {
                ulong ps = Page.PfnUp(s), pe = Page.PfnDown(e);
                if (ps > r.StartPfn && ps < r.EndPfn)
                {
                    points.Add(ps);
                }
                if (pe > r.StartPfn && pe < r.EndPfn)
                {
                    points.Add(pe);
                }
            }
            ulong[] p = points.ToArray();
            for (int i = 0; i + 1 < p.Length; i++)
            {
                bool mirror = mirrored.Any(m => Page.PfnUp(m.Start) <= p[i] && Page.PfnDown(m.End) >= p[i + 1]);
                result.Add(r with { StartPfn = p[i], EndPfn = p[i + 1], Mirror = mirror });
            }
        }
        return result;
    }
}
