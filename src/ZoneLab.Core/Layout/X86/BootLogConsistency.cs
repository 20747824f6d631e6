namespace ZoneLab.Layout;

/// <summary>
/// Checks a boot log's own "Zone ranges:" and "Early memory node ranges" lines against its e820 map. Two kinds of
/// disagreement, treated differently:
/// <list type="bullet">
/// <item>What the kernel guarantees: every early node range is memory e820__memblock_setup() added to
/// memblock.memory, i.e. lies inside a usable e820 entry (the firmware's, or one the command line's
/// <c>memmap=nn@ss</c> / <c>memmap=nn%ss+1</c> added). A node range outside them cannot come from a kernel: the log
/// is damaged or edited, a located error.</item>
/// <item>What the model computes: with the log's own command line the layout must print the same zone and node
/// ranges the log does (every log of the regression set of real logs does). Where it does not, the log was edited or
/// damaged, or its kernel does something the model does not; either way a layout computed from it would contradict
/// the log it claims to describe, so it is a located error naming the line, what the log prints and what the map
/// and command line give.</item>
/// </list>
/// </summary>
public static class BootLogConsistency
{
    // e820__end_of_low_ram_pfn's limit: 1 << (32 - PAGE_SHIFT)
    private const ulong LowRamLimitPfn = 1UL << (32 - Page.Shift);

    private static readonly ulong[] s_maxArchPfns = [1UL << 20, 1UL << 24, 1UL << 32, 1UL << 34, 1UL << 40];

    /// <summary>
    /// Throws when an early node range of the log is not inside the usable RAM of its e820 map and command line.
    /// </summary>
    public static void CheckNodeRangesInRam(IReadOnlyList<E820Entry> firmware, string commandLine,
        IReadOnlyList<(int Nid, ulong Start, ulong End)> nodeRanges, IReadOnlyList<int> lines, string source)
    {
        if (nodeRanges.Count == 0)
        {
            return;
        }
        // parse_memmap_one() may add RAM (memmap=nn@ss, memmap=nn%ss+1); mem= and the other forms only take it away
        var edited = new E820Table(firmware);
        KernelCommandLine.Parse(commandLine).ApplyE820Edits(edited);
        List<(ulong Start, ulong End)> usable = Union(firmware.Concat(edited.Entries)
            .Where(e => e.Type is E820Type.Ram or E820Type.ReservedKern).Select(e => (e.Start, e.End)));
        for (int i = 0; i < nodeRanges.Count; i++)
        {
            (int nid, ulong start, ulong end) = nodeRanges[i];
            if (!usable.Any(u => u.Start <= start && end <= u.End))
            {
                throw new ZoneLabInputException(source, lines[i],
                    $"node {nid} range [mem 0x{start:x}-0x{end - 1:x}] is not inside a usable entry of the log's e820 map (or RAM its command line's memmap= adds); "
                    + "the kernel builds node ranges only from usable e820 entries (e820__memblock_setup), so the log is damaged");
            }
        }
    }

    /// <summary>
    /// Throws for the first zone range line, then the first node range line, where the log
    /// (<paramref name="machine"/>) and the model disagree. Call only when the layout was computed with the log's
    /// own command line (otherwise they differ by design).
    /// </summary>
    public static void CompareWithModel(BootLayout layout, MachineDescription machine)
    {
        if (machine.LogZoneRanges.Count > 0)
        {
            List<string> model = FreeAreaInitLines.ZoneRanges(layout, new KernelPrintStyle(machine.KernelVersion));
            ThrowOnFirstDifference("zone range", machine.LogZoneRanges.Select(z => z.Line.Trim()).ToList(),
                model.Select(m => m.Trim()).ToList(), machine.LogZoneRanges.Select(z => z.LineNo).ToList(), machine.Source);
        }
        if (machine.EarlyNodeRanges.Count > 0 && machine.EarlyNodeRangeLines.Count == machine.EarlyNodeRanges.Count)
        {
            var style = new KernelPrintStyle(machine.KernelVersion);
            List<string> log = machine.EarlyNodeRanges.Select(r => FreeAreaInitLines.NodeRange(style, r.Nid, r.Start, r.End)).ToList();
            List<string> model = layout.Memblock.Select(r => FreeAreaInitLines.NodeRange(style, r.Nid, r.StartPfn << Page.Shift, r.EndPfn << Page.Shift)).ToList();
            ThrowOnFirstDifference("early memory node range", log, model, machine.EarlyNodeRangeLines, machine.Source);
        }
        if (machine.LogUnavailableRanges.Count > 0)
        {
            ThrowOnFirstDifference("unavailable-range", machine.LogUnavailableRanges.Select(u => u.Line).ToList(),
                layout.UnavailableRanges.Select(FreeAreaInitLines.UnavailableRange).ToList(), machine.LogUnavailableRanges.Select(u => u.LineNo).ToList(), machine.Source);
        }
        CheckMovableZoneStarts(layout, machine);
        CheckInitmemAndNodeData(layout, machine);
    }

    // free_area_init() prints zone_movable_pfn[] as find_zone_movable_pfns_for_nodes() left it (kernelcore=,
    // movablecore=, movable_node, mirrored memory), one "  Node N: 0xADDR" line per node that has ZONE_MOVABLE, in
    // node order. The zone range lines never show ZONE_MOVABLE, so without this check a log whose movable zone the
    // model places differently would give a layout that contradicts it silently. The numbers are compared, not the
    // text, as the address's print width changed between kernel versions.
    private static void CheckMovableZoneStarts(BootLayout layout, MachineDescription machine)
    {
        if (machine.LogMovableZoneStartLine == 0)
        {
            return;
        }
        List<(int Nid, ulong Start)> model = layout.ZoneMovablePfn.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key)
            .Select(kv => (kv.Key, kv.Value << Page.Shift)).ToList();
        IReadOnlyList<(int Nid, ulong Start, int LineNo)> log = machine.LogMovableZoneStarts;
        for (int i = 0; i < Math.Max(log.Count, model.Count); i++)
        {
            if (i < log.Count && i < model.Count && log[i].Nid == model[i].Nid && log[i].Start == model[i].Start)
            {
                continue;
            }
            int lineNo = i < log.Count ? log[i].LineNo : log.Count > 0 ? log[^1].LineNo : machine.LogMovableZoneStartLine;
            string logSays = i < log.Count ? $"'Node {log[i].Nid}: 0x{log[i].Start:x}'" : "no further node";
            string modelSays = i < model.Count ? $"ZONE_MOVABLE on node {model[i].Nid} from 0x{model[i].Start:x}" : "no further node with ZONE_MOVABLE";
            string all = model.Count == 0 ? "none" : string.Join(", ", model.Select(m => $"node {m.Nid} at 0x{m.Start:x}"));
            throw new ZoneLabInputException(machine.Source, lineNo,
                $"under 'Movable zone start for each node' the log prints {logSays} where its e820 map and command line give {modelSays} "
                + $"(find_zone_movable_pfns_for_nodes: {all}); the log is edited or damaged, or its kernel does something the model does not");
        }
    }

    // free_area_init_node() prints each node's span (node_start_pfn .. node_end_pfn, the first and last byte) as
    // "Initmem setup node N [mem ...]", and alloc_node_data() "NODE_DATA(N) allocated" for every node the kernel
    // sets up, memoryless ones included: a line naming a node or a span the log's own map cannot give is damage
    private static void CheckInitmemAndNodeData(BootLayout layout, MachineDescription machine)
    {
        foreach ((int nid, ulong start, ulong end, int lineNo) in machine.LogInitmem)
        {
            NodeLayout? node = layout.Nodes.FirstOrDefault(n => n.Nid == nid);
            if (node == null && layout.MemorylessNodes.Any(m => m.Nid == nid))
            {
                continue; // 4.x-5.16 init_memory_less_node(): a memoryless node's empty span
            }
            // end is exclusive here (the printed last byte + 1); kernels before 4.x print the node's memblk start
            // (0 for node 0) during NUMA setup, so only a non-zero start is compared
            ulong modelStart = node == null ? 0 : node.StartPfn << Page.Shift, modelEnd = node == null ? 0 : node.EndPfn << Page.Shift;
            if (node == null || (start != 0 && modelStart != start) || modelEnd != end)
            {
                string model = node == null ? $"no node {nid}" : $"node {nid} spanning [mem 0x{modelStart:x}-0x{modelEnd - 1:x}]";
                throw new ZoneLabInputException(machine.Source, lineNo,
                    $"the log prints 'Initmem setup node {nid} [mem 0x{start:x}-0x{end - 1:x}]' where its e820 map and command line give {model}; "
                    + "the log is edited or damaged, or its kernel does something the model does not");
            }
        }
        // calculate_node_totalpages(): the node's present pages (0 for a memoryless node's pgdat)
        foreach ((int nid, ulong pages, int lineNo) in machine.LogNodeTotalpages)
        {
            ulong model = layout.Nodes.FirstOrDefault(n => n.Nid == nid)?.PresentPages ?? 0;
            if (pages != model)
            {
                throw new ZoneLabInputException(machine.Source, lineNo,
                    $"the log prints 'On node {nid} totalpages: {pages}' where its e820 map and command line give {model} present pages; "
                    + "the log is edited or damaged, or its kernel does something the model does not");
            }
        }
        // mem_init_print_info(): physpages = get_num_physpages(), the present pages of the online nodes, in KiB
        if (machine.LogMemoryTotalKb is (ulong kb, int memoryLine))
        {
            ulong model = (ulong)layout.Nodes.Sum(n => (decimal)n.PresentPages) * (Page.Size / 1024);
            if (kb != model)
            {
                throw new ZoneLabInputException(machine.Source, memoryLine,
                    $"the log's 'Memory:' line totals {kb}K where its e820 map and command line give {model}K of present memory; "
                    + "the log is edited or damaged, or its kernel does something the model does not");
            }
        }
        // e820__end_of_ram_pfn() / e820__end_of_low_ram_pfn() (e820_end_pfn): the end of the highest usable entry, of
        // all RAM for max_pfn and below 4 GiB for max_low_pfn (printed only when max_pfn is above 4 GiB)
        ulong endPfn = 0, endLowPfn = 0;
        foreach (MemblockRegion r in layout.Memblock)
        {
            endPfn = Math.Max(endPfn, r.EndPfn);
            if (r.StartPfn < LowRamLimitPfn)
            {
                endLowPfn = Math.Max(endLowPfn, Math.Min(r.EndPfn, LowRamLimitPfn));
            }
        }
        foreach ((ulong pfn, int lineNo) in machine.LogLastPfn)
        {
            if (pfn != endPfn && pfn != endLowPfn)
            {
                throw new ZoneLabInputException(machine.Source, lineNo,
                    $"the log prints 'last_pfn = 0x{pfn:x}' where its e820 map and command line end usable RAM at pfn 0x{endPfn:x} (0x{endLowPfn:x} below 4 GiB); "
                    + "the log is edited or damaged, or its kernel does something the model does not");
            }
        }
        // arch/x86 MAX_ARCH_PFN: 1 << (MAX_PHYSMEM_BITS - PAGE_SHIFT) for 32-bit (32 bits, 36 with PAE) and 64-bit
        // (44 bits before 2.6.31, 46 with 4-level paging, 52 with 5-level) kernels; no other value can be printed
        foreach ((ulong pfn, int lineNo) in machine.LogMaxArchPfn)
        {
            if (Array.IndexOf(s_maxArchPfns, pfn) < 0)
            {
                throw new ZoneLabInputException(machine.Source, lineNo,
                    $"the log prints 'max_arch_pfn = 0x{pfn:x}'; an x86 kernel prints 1 << (MAX_PHYSMEM_BITS - 12): "
                    + string.Join(", ", s_maxArchPfns.Select(p => $"0x{p:x}")) + "; the log is edited or damaged");
            }
        }
        // dummy_numa_init(): without NUMA information one node spans [0, PFN_PHYS(max_pfn))
        if (machine.LogFakeNode is (ulong fakeStart, ulong fakeEnd, int fakeLine) && (fakeStart != 0 || fakeEnd != endPfn << Page.Shift))
        {
            throw new ZoneLabInputException(machine.Source, fakeLine,
                $"the log prints 'Faking a node at [mem 0x{fakeStart:x}-0x{fakeEnd - 1:x}]' where its e820 map and command line give [mem 0x0-0x{(endPfn << Page.Shift) - 1:x}] "
                + "(0 to the end of usable RAM); the log is edited or damaged, or its kernel does something the model does not");
        }
        CheckMemoryLineAndPolicyZone(layout, machine);
        CheckUserDefinedMap(layout, machine);
        for (int i = 0; i < machine.NodeDataFromLog.Count && i < machine.NodeDataLines.Count; i++)
        {
            int nid = machine.NodeDataFromLog[i].Nid;
            if (!layout.Nodes.Any(n => n.Nid == nid) && !layout.MemorylessNodes.Any(m => m.Nid == nid))
            {
                string nodes = string.Join(", ", layout.Nodes.Select(n => n.Nid).Concat(layout.MemorylessNodes.Select(m => m.Nid)).Order());
                throw new ZoneLabInputException(machine.Source, machine.NodeDataLines[i],
                    $"the log prints NODE_DATA({nid}) but its e820 map, NUMA lines and command line give no node {nid} (nodes: {nodes}); "
                    + "the log is edited or damaged, or its kernel does something the model does not");
            }
        }
    }

    // e820__finish_early_params() prints the map memmap=/mem= left ("user-defined physical RAM map:"), entry by entry
    private static void CheckUserDefinedMap(BootLayout layout, MachineDescription machine)
    {
        if (machine.LogUserE820.Count == 0)
        {
            return;
        }
        IReadOnlyList<E820Entry> model = layout.UserDefinedE820?.Entries ?? [];
        for (int i = 0; i < machine.LogUserE820.Count; i++)
        {
            (E820Entry logged, int lineNo) = machine.LogUserE820[i];
            if (i >= model.Count || logged.Start != model[i].Start || logged.End != model[i].End || logged.TypeName != model[i].TypeName)
            {
                string expected = layout.UserDefinedE820 == null ? "no user-defined map (no memmap= or mem= on its command line)"
                    : i < model.Count ? $"'{model[i]}' as entry {i + 1}" : $"{model.Count} entries";
                throw new ZoneLabInputException(machine.Source, lineNo,
                    $"the log's user-defined map has '{logged}' where its e820 map and command line give {expected}; "
                    + "the log is edited or damaged, or its kernel does something the model does not");
            }
        }
        if (model.Count > machine.LogUserE820.Count)
        {
            throw new ZoneLabInputException(machine.Source, machine.LogUserE820[^1].LineNo,
                $"the log's user-defined map ends after {machine.LogUserE820.Count} entries where its e820 map and command line give {model.Count}, the next '{model[machine.LogUserE820.Count]}'; "
                + "the log is edited or damaged, or its kernel does something the model does not");
        }
    }

    // mem_init_print_info(): "Memory: %luK/%luK available (..., %luK reserved, %luK cma-reserved)": every page count is
    // printed as K(x) = x << (PAGE_SHIFT - 10), a multiple of 4 on x86; nr_free_pages() cannot exceed totalram_pages(),
    // which is physpages less the reserved and cma-reserved pages; totalcma_pages is what cma_init_reserved_mem() added
    // for every declared area.
    // build_all_zonelists(): policy_zone is the highest zone below ZONE_MOVABLE that build_zonerefs_node() found
    // populated on any node (check_highest_zone).
    private static void CheckMemoryLineAndPolicyZone(BootLayout layout, MachineDescription machine)
    {
        if (machine.LogMemoryTotalKb is (ulong totalKb, int memoryLine))
        {
            ulong pageKb = Page.Size / 1024;
            foreach ((string what, ulong? kb) in new[] { ("total", (ulong?)totalKb), ("available", machine.LogMemoryAvailableKb), ("reserved", machine.LogReservedKb), ("cma-reserved", machine.LogCmaReservedKb) })
            {
                if (kb is ulong k && k % pageKb != 0)
                {
                    throw new ZoneLabInputException(machine.Source, memoryLine,
                        $"the log's 'Memory:' line has {k}K {what}, not a whole number of {pageKb}K pages; the log is edited or damaged");
                }
            }
            if (machine.LogMemoryAvailableKb is ulong availableKb && availableKb > totalKb)
            {
                throw new ZoneLabInputException(machine.Source, memoryLine,
                    $"the log's 'Memory:' line has {availableKb}K available of {totalKb}K: free pages cannot exceed the present ones; the log is edited or damaged");
            }
            if (machine.LogMemoryAvailableKb is ulong freeKb && machine.LogReservedKb is ulong reservedKb
                && freeKb + reservedKb + (machine.LogCmaReservedKb ?? 0) > totalKb)
            {
                throw new ZoneLabInputException(machine.Source, memoryLine,
                    $"the log's 'Memory:' line has {freeKb}K available + {reservedKb}K reserved + {machine.LogCmaReservedKb ?? 0}K cma-reserved, more than its {totalKb}K: "
                    + "free pages cannot exceed physpages less the reserved ones; the log is edited or damaged");
            }
            ulong cmaKb = layout.CmaAreas.Aggregate(0UL, (s, a) => s + a.DeclaredPages) * (Page.Size / 1024);
            if (machine.LogCmaReservedKb is ulong logCmaKb && logCmaKb != cmaKb)
            {
                throw new ZoneLabInputException(machine.Source, memoryLine,
                    $"the log's 'Memory:' line has {logCmaKb}K cma-reserved where its command line and kernel declare {cmaKb}K of CMA areas; "
                    + "the log is edited or damaged, or its kernel does something the model does not");
            }
        }
        // build_all_zonelists() prints nr_online_nodes: the nodes with memory and the memoryless nodes x86 onlines for
        // its CPUs (init_memory_less_node)
        if (machine.LogZonelists is (int built, int zonelistsLine) && built != layout.Nodes.Count + layout.MemorylessNodes.Count)
        {
            throw new ZoneLabInputException(machine.Source, zonelistsLine,
                $"the log built {built} zonelists where its e820 map, NUMA lines and command line give {layout.Nodes.Count + layout.MemorylessNodes.Count} online nodes; "
                + "the log is edited or damaged, or its kernel does something the model does not");
        }
        if (machine.LogPolicyZone is (string zone, int policyLine))
        {
            ZoneType? highest = null;
            foreach (ZoneLayout z in layout.AllZones)
            {
                if (z.Present > 0 && z.Type < ZoneType.Movable && (highest == null || z.Type > highest))
                {
                    highest = z.Type;
                }
            }
            string model = highest is ZoneType t ? ZoneTypes.Name(t) : ZoneTypes.Name(ZoneType.Dma);
            if (zone != model)
            {
                throw new ZoneLabInputException(machine.Source, policyLine,
                    $"the log prints 'Policy zone: {zone}' where its e820 map and command line populate {model} as the highest zone below Movable; "
                    + "the log is edited or damaged, or its kernel does something the model does not");
            }
        }
    }

    private static void ThrowOnFirstDifference(string what, IReadOnlyList<string> log, IReadOnlyList<string> model, IReadOnlyList<int> lines, string source)
    {
        int n = Math.Max(log.Count, model.Count);
        for (int i = 0; i < n; i++)
        {
            string? l = i < log.Count ? log[i] : null, m = i < model.Count ? model[i] : null;
            if (l == m)
            {
                continue;
            }
            string logSays = l == null ? $"no {what} after this line" : $"'{l}'";
            string modelSays = m == null ? $"no {what} there" : $"'{m}'";
            throw new ZoneLabInputException(source, lines[Math.Min(i, lines.Count - 1)],
                $"the log prints {logSays} where its e820 map and command line give {modelSays} "
                + $"({log.Count} {what} lines in the log, {model.Count} computed); the log is edited or damaged, or its kernel does something the model does not");
        }
    }

    private static List<(ulong Start, ulong End)> Union(IEnumerable<(ulong Start, ulong End)> ranges)
    {
        var result = new List<(ulong Start, ulong End)>();
        foreach ((ulong s, ulong e) in ranges.OrderBy(r => r.Start))
        {
            if (result.Count > 0 && s <= result[^1].End)
            {
                result[^1] = (result[^1].Start, Math.Max(result[^1].End, e));
            }
            else
            {
                result.Add((s, e));
            }
        }
        return result;
    }
}
