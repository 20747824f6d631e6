namespace ZoneLab.Layout;

/// <summary>
/// Reservation of Designated Movable Blocks (Doug Berger's series, v3 2022-10-20 on 6.1-rc1 = v4 2023-03-10 code):
/// <c>cmdline_parse_core()</c> checks <c>memblock_is_region_memory()</c> and <c>!memblock_is_region_reserved()</c>,
/// reserves the range, then <c>dmb_reserve()</c> (mm/dmb.c) checks the pageblock alignment and the free slots of
/// <c>CONFIG_DMB_COUNT</c> and marks the memblock range MEMBLOCK_MOVABLE (splitting regions).
/// </summary>
public static class DesignatedMovableBlocks
{
    /// <summary>DMB_MIN_ALIGNMENT_BYTES: one pageblock (2 MiB with 4 KiB pages).</summary>
    public const ulong MinAlignmentBytes = Page.PageblockNrPages << Page.Shift;

    /// <summary>
    /// Applies the DMB requests of <paramref name="cmdline"/> to <paramref name="memblock"/>.
    /// </summary>
    /// <param name="memblock">memblock.memory regions (sorted).</param>
    /// <param name="cmdline">The parsed command line.</param>
    /// <param name="memblockPopulatedAtEarlyParams">
    /// True where the architecture adds memory to memblock before parse_early_param() (arm64 from the device tree);
    /// false on x86, where e820__memblock_setup() runs later, so <c>memblock_is_region_memory()</c> fails for every entry.
    /// </param>
    /// <param name="dmbCount">CONFIG_DMB_COUNT (19 with NUMA, 7 without).</param>
    /// <param name="messages">Kernel messages produced.</param>
    public static List<MemblockRegion> Apply(List<MemblockRegion> memblock, KernelCommandLine cmdline, bool memblockPopulatedAtEarlyParams, int dmbCount, List<string> messages)
    {
        List<(ulong S, ulong E)> accepted = Reserve(
            cmdline, memblockPopulatedAtEarlyParams, dmbCount, messages,
            (b, e) => IsRegionMemory(memblock, b, e), (b, e) => false, (b, e) => { });
        return accepted.Count == 0 ? memblock : MarkMovable(memblock, accepted);
    }

    /// <summary>
    /// The parse-time checks of each <c>movablecore=size@base</c> entry against a memblock model: returns the accepted
    /// byte ranges (already reserved through <paramref name="reserve"/>), stopping at the first rejected entry.
    /// </summary>
    public static List<(ulong S, ulong E)> Reserve(
        KernelCommandLine cmdline, bool memblockPopulatedAtEarlyParams, int dmbCount, List<string> messages,
        Func<ulong, ulong, bool> isRegionMemory, Func<ulong, ulong, bool> isRegionReserved, Action<ulong, ulong> reserve)
    {
        var accepted = new List<(ulong S, ulong E)>();
        foreach (DmbRequest r in cmdline.DmbRequests)
        {
            ulong end = r.Base + r.Size;
            string why;
            if (!memblockPopulatedAtEarlyParams)
            {
                why = "memblock has no memory yet when early parameters are parsed (x86 runs e820__memblock_setup() after parse_early_param()), so memblock_is_region_memory() fails";
            }
            else if (!isRegionMemory(r.Base, end))
            {
                why = "the range is not inside one memory region (memblock_is_region_memory)";
            }
            else if (accepted.Any(a => a.S < end && r.Base < a.E) || isRegionReserved(r.Base, end))
            {
                why = "the range is already reserved (memblock_is_region_reserved)";
            }
            else if (r.Size == 0 || (r.Base | r.Size) % MinAlignmentBytes != 0)
            {
                why = $"base and size must be aligned to {MinAlignmentBytes >> 20} MiB (DMB_MIN_ALIGNMENT_BYTES)";
            }
            else if (accepted.Count == dmbCount)
            {
                messages.Add("dmb: Not enough slots for DMB reserved regions!");
                why = "no free slot (CONFIG_DMB_COUNT)";
            }
            else
            {
                reserve(r.Base, r.Size);
                accepted.Add((r.Base, end));
                continue;
            }
            // cmdline_parse_movablecore() returns -EINVAL/-ENOSPC: init/main.c prints this, and the list stops here.
            messages.Add("Malformed early option 'movablecore'");
            cmdline.AddWarning($"movablecore={r.Text}: rejected: {why}");
            break;
        }
        return accepted;
    }

    private static bool IsRegionMemory(List<MemblockRegion> memblock, ulong start, ulong end)
    {
        foreach (MemblockRegion m in memblock)
        {
            if ((m.StartPfn << Page.Shift) <= start && end <= (m.EndPfn << Page.Shift))
            {
                return true;
            }
        }
        return false;
    }

    // memblock_mark_movable(): memblock_isolate_range() splits regions at the DMB boundaries, then flags them.
    /// <summary>memblock_mark_movable() over a list of regions.</summary>
    public static List<MemblockRegion> MarkMovable(List<MemblockRegion> memblock, List<(ulong S, ulong E)> dmbs)
    {
        var result = new List<MemblockRegion>();
        foreach (MemblockRegion m in memblock)
        {
            var cuts = new SortedSet<ulong> { m.StartPfn, m.EndPfn };
            foreach ((ulong s, ulong e) in dmbs)
            {
                ulong ps = s >> Page.Shift, pe = e >> Page.Shift;
                if (ps > m.StartPfn && ps < m.EndPfn)
                {
                    cuts.Add(ps);
                }
                if (pe > m.StartPfn && pe < m.EndPfn)
                {
                    cuts.Add(pe);
                }
            }
            ulong[] c = cuts.ToArray();
            for (int i = 0; i + 1 < c.Length; i++)
            {
                bool movable = dmbs.Any(d => (d.S >> Page.Shift) <= c[i] && c[i + 1] <= (d.E >> Page.Shift));
                result.Add(m with { StartPfn = c[i], EndPfn = c[i + 1], Movable = movable });
            }
        }
        return result;
    }
}
