namespace ZoneLab.Layout.Memblock;

/// <summary>
/// The boot memory allocator of mm/memblock.c (6.1): <c>memblock.memory</c>, <c>memblock.reserved</c>, the
/// allocation direction and limit, and the find/alloc functions with their exact candidate rules (top-down:
/// highest free range first, <c>round_down(end - size, align)</c>; bottom-up: <c>round_up(start, align)</c>),
/// node filtering and MEMBLOCK_NOMAP skipping. Used to place what the kernel reserves before CMA areas are
/// declared, and the areas themselves.
/// </summary>
public sealed class Memblock
{
    /// <summary>NUMA_NO_NODE.</summary>
    public const int NumaNoNode = -1;

    /// <summary>MEMBLOCK_ALLOC_ACCESSIBLE: "up to memblock.current_limit".</summary>
    public const ulong AllocAccessible = 0;

    /// <summary>MEMBLOCK_ALLOC_ANYWHERE.</summary>
    public const ulong AllocAnywhere = ulong.MaxValue;

    /// <summary>MEMBLOCK_ALLOC_NOLEAKTRACE (an "anywhere up to the limit" that skips kmemleak).</summary>
    public const ulong AllocNoLeakTrace = 1;

    /// <summary>SMP_CACHE_BYTES on x86-64 and arm64 (L1_CACHE_BYTES = 64).</summary>
    public const ulong SmpCacheBytes = 64;

    public Memblock(int maxNumNodes)
    {
        MaxNumNodes = maxNumNodes;
    }

    /// <summary>MAX_NUMNODES: the node id memblock_add() gives regions before NUMA setup.</summary>
    public int MaxNumNodes { get; }

    /// <summary><c>memblock.memory</c>.</summary>
    public MemblockType Memory { get; } = new("memory");

    /// <summary><c>memblock.reserved</c>.</summary>
    public MemblockType Reserved { get; } = new("reserved");

    /// <summary><c>memblock.bottom_up</c> (memblock_set_bottom_up()).</summary>
    public bool BottomUp { get; set; }

    /// <summary><c>memblock.current_limit</c> (memblock_set_current_limit()).</summary>
    public ulong CurrentLimit { get; set; } = AllocAnywhere;

    /// <summary>Set by <c>movable_node</c>: hotpluggable memory is skipped by allocations.</summary>
    public bool MovableNode { get; set; }

    /// <summary>memblock_add(): memory with nid MAX_NUMNODES.</summary>
    public void Add(ulong b, ulong size, MemblockFlags flags = MemblockFlags.None) => Memory.AddRange(b, size, MaxNumNodes, flags);

    /// <summary>memblock_add_node().</summary>
    public void AddNode(ulong b, ulong size, int nid, MemblockFlags flags = MemblockFlags.None) => Memory.AddRange(b, size, nid, flags);

    /// <summary>memblock_remove().</summary>
    public void Remove(ulong b, ulong size) => Memory.RemoveRange(b, size);

    /// <summary>memblock_reserve().</summary>
    public void Reserve(ulong b, ulong size) => Reserved.AddRange(b, size, MaxNumNodes, MemblockFlags.None);

    /// <summary>memblock_phys_free(): drops a reservation.</summary>
    public void PhysFree(ulong b, ulong size) => Reserved.RemoveRange(b, size);

    /// <summary>memblock_mark_nomap().</summary>
    public void MarkNomap(ulong b, ulong size) => Memory.SetClearFlag(b, size, MemblockFlags.NoMap, true);

    /// <summary>memblock_clear_nomap().</summary>
    public void ClearNomap(ulong b, ulong size) => Memory.SetClearFlag(b, size, MemblockFlags.NoMap, false);

    /// <summary>memblock_mark_hotplug().</summary>
    public void MarkHotplug(ulong b, ulong size) => Memory.SetClearFlag(b, size, MemblockFlags.Hotplug, true);

    /// <summary>memblock_is_region_reserved(): the range overlaps memblock.reserved.</summary>
    public bool IsRegionReserved(ulong b, ulong size) => Reserved.Overlaps(b, size);

    /// <summary>memblock_start_of_DRAM().</summary>
    public ulong StartOfDram => Memory.Regions.Count == 0 ? 0 : Memory.Regions[0].Base;

    /// <summary>memblock_end_of_DRAM().</summary>
    public ulong EndOfDram => Memory.Regions.Count == 0 ? 0 : Memory.Regions[^1].End;

    /// <summary>memblock_phys_mem_size(): all of memblock.memory, nomap included.</summary>
    public ulong PhysMemSize => Memory.TotalSize;

    /// <summary>
    /// mirrors memblock_mem_limit_remove_map(limit): keeps the first <paramref name="limit"/> bytes of memory
    /// (__find_max_addr) and removes mapped memory above, as memblock_cap_memory_range(0, max_addr) does.
    /// </summary>
    public void MemLimitRemoveMap(ulong limit)
    {
        if (limit == 0)
        {
            return;
        }
        ulong maxAddr = ulong.MaxValue;
        foreach (MemblockRange r in Memory.Regions)
        {
            if (limit <= r.Size)
            {
                maxAddr = r.Base + limit;
                break;
            }
            limit -= r.Size;
        }
        if (maxAddr == ulong.MaxValue)
        {
            return;
        }
        CapMemoryRange(0, maxAddr);
    }

    /// <summary>mirrors memblock_cap_memory_range(): removes mapped memory outside <c>[base, base+size)</c>, nomap kept.</summary>
    public void CapMemoryRange(ulong b, ulong size)
    {
        if (size == 0)
        {
            return;
        }
        (int start, int end) = Memory.Isolate(b, size);
        var regions = Memory.Regions.ToList();
        for (int i = regions.Count - 1; i >= end; i--)
        {
            if (!regions[i].IsNoMap)
            {
                Memory.RemoveRange(regions[i].Base, regions[i].Size);
            }
        }
        for (int i = start - 1; i >= 0; i--)
        {
            if (!regions[i].IsNoMap)
            {
                Memory.RemoveRange(regions[i].Base, regions[i].Size);
            }
        }
        // truncate the reserved regions
        Reserved.RemoveRange(0, b);
        Reserved.RemoveRange(b + size, ulong.MaxValue);
    }

    // mirrors should_skip_region() for memblock.memory
    private bool SkipRegion(MemblockRange m, int nid, MemblockFlags flags)
    {
        if (nid != NumaNoNode && nid != m.Nid)
        {
            return true;
        }
        if (MovableNode && (m.Flags & MemblockFlags.Hotplug) != 0 && (flags & MemblockFlags.Hotplug) == 0)
        {
            return true;
        }
        if ((flags & MemblockFlags.Mirror) != 0 && (m.Flags & MemblockFlags.Mirror) == 0)
        {
            return true;
        }
        if ((flags & MemblockFlags.NoMap) == 0 && m.IsNoMap)
        {
            return true;
        }
        if ((flags & MemblockFlags.DriverManaged) == 0 && (m.Flags & MemblockFlags.DriverManaged) != 0)
        {
            return true;
        }
        return false;
    }

    /// <summary>
    /// for_each_free_mem_range(): memory (not skipped for <paramref name="nid"/>/<paramref name="flags"/>) minus
    /// reserved, as byte ranges in ascending order.
    /// </summary>
    public List<(ulong Start, ulong End, int Nid)> FreeRanges(int nid, MemblockFlags flags)
    {
        var result = new List<(ulong, ulong, int)>();
        IReadOnlyList<MemblockRange> res = Reserved.Regions;
        foreach (MemblockRange m in Memory.Regions)
        {
            if (SkipRegion(m, nid, flags))
            {
                continue;
            }
            ulong cur = m.Base;
            foreach (MemblockRange r in res)
            {
                if (r.End <= cur)
                {
                    continue;
                }
                if (r.Base >= m.End)
                {
                    break;
                }
                if (r.Base > cur)
                {
                    result.Add((cur, r.Base, m.Nid));
                }
                cur = Math.Max(cur, r.End);
                if (cur >= m.End)
                {
                    break;
                }
            }
            if (cur < m.End)
            {
                result.Add((cur, m.End, m.Nid));
            }
        }
        return result;
    }

    /// <summary>
    /// mirrors memblock_find_in_range_node(): the address a block of <paramref name="size"/> bytes would get in
    /// <c>[start, end)</c> on <paramref name="nid"/>, or 0 when nothing fits.
    /// </summary>
    public ulong FindInRangeNode(ulong size, ulong align, ulong start, ulong end, int nid, MemblockFlags flags = MemblockFlags.None)
    {
        if (end == AllocAccessible || end == AllocNoLeakTrace)
        {
            end = CurrentLimit;
        }
        start = Math.Max(start, Page.Size); // avoid allocating the first page
        end = Math.Max(start, end);
        List<(ulong Start, ulong End, int Nid)> free = FreeRanges(nid, flags);
        if (BottomUp)
        {
            // __memblock_find_range_bottom_up()
            foreach ((ulong s0, ulong e0, _) in free)
            {
                ulong s = Math.Clamp(s0, start, end);
                ulong e = Math.Clamp(e0, start, end);
                ulong cand = RoundUp(s, align);
                if (cand < e && e - cand >= size)
                {
                    return cand;
                }
            }
            return 0;
        }
        // __memblock_find_range_top_down()
        for (int i = free.Count - 1; i >= 0; i--)
        {
            ulong s = Math.Clamp(free[i].Start, start, end);
            ulong e = Math.Clamp(free[i].End, start, end);
            if (e < size)
            {
                continue;
            }
            ulong cand = (e - size) & ~(align - 1);
            if (cand >= s)
            {
                return cand;
            }
        }
        return 0;
    }

    /// <summary>
    /// mirrors memblock_alloc_range_nid(): finds and reserves; a node-specific request falls back to any node
    /// unless <paramref name="exactNid"/>. Returns 0 on failure.
    /// </summary>
    public ulong AllocRangeNid(ulong size, ulong align, ulong start, ulong end, int nid, bool exactNid)
    {
        if (nid == MaxNumNodes)
        {
            nid = NumaNoNode;
        }
        if (align == 0)
        {
            align = SmpCacheBytes;
        }
        ulong found = FindInRangeNode(size, align, start, end, nid);
        if (found != 0)
        {
            Reserve(found, size);
            return found;
        }
        if (nid != NumaNoNode && !exactNid)
        {
            found = FindInRangeNode(size, align, start, end, NumaNoNode);
            if (found != 0)
            {
                Reserve(found, size);
                return found;
            }
        }
        return 0;
    }

    /// <summary>memblock_phys_alloc_range(size, align, start, end).</summary>
    public ulong PhysAllocRange(ulong size, ulong align, ulong start, ulong end) => AllocRangeNid(size, align, start, end, NumaNoNode, false);

    /// <summary>memblock_phys_alloc_try_nid(size, align, nid).</summary>
    public ulong PhysAllocTryNid(ulong size, ulong align, int nid) => AllocRangeNid(size, align, 0, AllocAccessible, nid, false);

    /// <summary>
    /// mirrors memblock_alloc_internal() behind memblock_alloc_try_nid[_raw]() and memblock_alloc_exact_nid_raw():
    /// the limit is capped at current_limit, and a failure with a lower bound retries without it.
    /// </summary>
    public ulong AllocInternal(ulong size, ulong align, ulong minAddr, ulong maxAddr, int nid, bool exactNid)
    {
        if (maxAddr > CurrentLimit)
        {
            maxAddr = CurrentLimit;
        }
        ulong a = AllocRangeNid(size, align, minAddr, maxAddr, nid, exactNid);
        if (a == 0 && minAddr != 0)
        {
            a = AllocRangeNid(size, align, 0, maxAddr, nid, exactNid);
        }
        return a;
    }

    /// <summary>memblock_alloc(size, align).</summary>
    public ulong Alloc(ulong size, ulong align) => AllocInternal(size, align, 0, AllocAccessible, NumaNoNode, false);

    /// <summary>memblock_alloc_node(size, align, nid).</summary>
    public ulong AllocNode(ulong size, ulong align, int nid) => AllocInternal(size, align, 0, AllocAccessible, nid, false);

    private static ulong RoundUp(ulong v, ulong align) => (v + align - 1) & ~(align - 1);
}
