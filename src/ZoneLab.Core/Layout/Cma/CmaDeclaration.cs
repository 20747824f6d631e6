using ZoneLab.Layout.Memblock;
using MemblockAllocator = ZoneLab.Layout.Memblock.Memblock;

namespace ZoneLab.Layout;

/// <summary>
/// Declaring CMA areas at boot as mm/cma.c does in 6.1: <c>cma_declare_contiguous_nid()</c> (alignment,
/// limit, fixed placement, bottom-up above 4 GiB, top-down below the limit) and <c>cma_init_reserved_mem()</c>
/// (slot and alignment checks, filling <c>cma_areas[]</c>). Placement uses the memblock model, so the areas avoid
/// whatever the boot code reserved before them.
/// </summary>
public sealed class CmaDeclaration
{
    private const ulong SZ4G = 1UL << 32;

    public CmaDeclaration(MemblockAllocator memblock, CmaAreaTable table, BootLog log)
    {
        Memblock = memblock;
        Table = table;
        Log = log;
    }

    /// <summary>CMA_MIN_ALIGNMENT_BYTES = PAGE_SIZE * pageblock_nr_pages (2 MiB with 4 KiB pages).</summary>
    public static ulong MinAlignmentBytes => Page.Size * Page.PageblockNrPages;

    /// <summary>The boot allocator the areas are carved from.</summary>
    public MemblockAllocator Memblock { get; }

    /// <summary><c>cma_areas[]</c>.</summary>
    public CmaAreaTable Table { get; }

    /// <summary>Where the kernel's messages go.</summary>
    public BootLog Log { get; }

    /// <summary>
    /// The sizes in bytes of the areas the kernel refused ("cma: Failed to reserve N MiB"): the kernel boots on without
    /// them, so a user who asked for one must be told rather than find every <c>cma_alloc()</c> failing.
    /// </summary>
    public List<ulong> FailedSizes { get; } = new();

    /// <summary>One warning per refused area, for <see cref="BootLayout.Warnings"/>.</summary>
    public IEnumerable<string> FailureWarnings => FailedSizes.Select(size =>
        $"cma: Failed to reserve {size >> 20} MiB: the kernel boots without this area, so its cma_alloc() calls all fail " +
        "(`zonelab layout --format dmesg` prints the kernel's reason)");

    /// <summary>
    /// The physical address where lowmem ends (<c>__pa(high_memory - 1) + 1</c>); on 64-bit it is the end of DRAM,
    /// so the low/high boundary rules never trigger.
    /// </summary>
    public ulong HighmemStart { get; set; } = ulong.MaxValue;

    /// <summary>
    /// mirrors cma_declare_contiguous_nid(): returns 0 or a negative errno, and the area on success.
    /// </summary>
    public int DeclareContiguousNid(ulong b, ulong size, ulong limit, ulong alignment, int orderPerBit, bool fixedBase,
        string name, int nid, CmaAreaKind kind, out CmaArea? area)
    {
        area = null;
        ulong memblockEnd = Memblock.EndOfDram;
        ulong highmemStart = HighmemStart == ulong.MaxValue ? memblockEnd : HighmemStart;

        if (Table.IsFull)
        {
            Log.Print("cma: Not enough slots for CMA reserved regions!");
            return -Errno.ENOSPC;
        }
        if (size == 0)
        {
            return -Errno.EINVAL;
        }
        if (alignment != 0 && (alignment & (alignment - 1)) != 0)
        {
            return -Errno.EINVAL;
        }

        // Sanitise input arguments.
        alignment = Math.Max(alignment, MinAlignmentBytes);
        if (fixedBase && (b & (alignment - 1)) != 0)
        {
            Log.Print($"cma: Region at {Pa(b)} must be aligned to {Pa(alignment)} bytes");
            return Fail(size, -Errno.EINVAL);
        }
        b = Align(b, alignment);
        size = Align(size, alignment);
        limit &= ~(alignment - 1);

        if (b == 0)
        {
            fixedBase = false;
        }

        // size should be aligned with order_per_bit
        if (((size >> Page.Shift) & ((1UL << orderPerBit) - 1)) != 0)
        {
            return -Errno.EINVAL;
        }

        // If allocating at a fixed base the request region must not cross the low/high memory boundary.
        if (fixedBase && b < highmemStart && b + size > highmemStart)
        {
            Log.Print($"cma: Region at {Pa(b)} defined on low/high memory boundary ({Pa(highmemStart)})");
            return Fail(size, -Errno.EINVAL);
        }

        // If the limit is unspecified or above the memblock end, its effective value will be the memblock end.
        if (limit == 0 || limit > memblockEnd)
        {
            limit = memblockEnd;
        }

        if (b + size > limit)
        {
            Log.Print($"cma: Size ({Pa(size)}) of region at {Pa(b)} exceeds limit ({Pa(limit)})");
            return Fail(size, -Errno.EINVAL);
        }

        if (fixedBase)
        {
            if (Memblock.IsRegionReserved(b, size))
            {
                return Fail(size, -Errno.EBUSY);
            }
            Memblock.Reserve(b, size);
        }
        else
        {
            ulong addr = 0;

            // All pages must come from the same zone: try high memory first if the range crosses into it.
            if (b < highmemStart && limit > highmemStart)
            {
                addr = Memblock.AllocRangeNid(size, alignment, highmemStart, limit, nid, true);
                limit = highmemStart;
            }

            // If there is enough memory, try a bottom-up allocation first, avoiding the first 4 GiB
            // (DMA/DMA32) and placing the area so that compaction moves pages out of it.
            if (!Memblock.BottomUp && memblockEnd >= SZ4G + size)
            {
                Memblock.BottomUp = true;
                addr = Memblock.AllocRangeNid(size, alignment, SZ4G, limit, nid, true);
                Memblock.BottomUp = false;
            }

            if (addr == 0)
            {
                addr = Memblock.AllocRangeNid(size, alignment, b, limit, nid, true);
                if (addr == 0)
                {
                    return Fail(size, -Errno.ENOMEM);
                }
            }
            b = addr;
        }

        int ret = InitReservedMem(b, size, orderPerBit, name, nid, kind, out area);
        if (ret != 0)
        {
            Memblock.PhysFree(b, size);
            return Fail(size, ret);
        }
        Log.Print($"cma: Reserved {size >> 20} MiB at {Pa(b)}");
        return 0;
    }

    /// <summary>mirrors cma_init_reserved_mem(): registers an already reserved range as a CMA area.</summary>
    public int InitReservedMem(ulong b, ulong size, int orderPerBit, string? name, int nid, CmaAreaKind kind, out CmaArea? area)
    {
        area = null;
        if (Table.IsFull)
        {
            Log.Print("cma: Not enough slots for CMA reserved regions!");
            return -Errno.ENOSPC;
        }
        if (size == 0 || !Memblock.IsRegionReserved(b, size))
        {
            return -Errno.EINVAL;
        }
        // ensure minimal alignment required by mm core
        if (((b | size) & (MinAlignmentBytes - 1)) != 0)
        {
            return -Errno.EINVAL;
        }
        area = new CmaArea(name ?? $"cma{Table.Areas.Count}", b >> Page.Shift, size >> Page.Shift, orderPerBit, nid, kind);
        Table.Add(area);
        return 0;
    }

    private int Fail(ulong size, int err)
    {
        FailedSizes.Add(size);
        Log.Print($"cma: Failed to reserve {size >> 20} MiB");
        return err;
    }

    private static ulong Align(ulong v, ulong a) => (v + a - 1) & ~(a - 1);

    /// <summary>The kernel's <c>%pa</c>: 0x and 16 hex digits on 64-bit.</summary>
    public static string Pa(ulong v) => "0x" + v.ToString("x16");
}
