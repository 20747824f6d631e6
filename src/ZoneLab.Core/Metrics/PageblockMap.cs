using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Metrics;

/// <summary>
/// A snapshot of every pageblock of a machine: its zone type and migratetype (<c>get_pfnblock_migratetype</c>), in pfn
/// order from <see cref="BasePfn"/>; a pageblock whose first pfn is a hole is <see cref="Hole"/>.
/// </summary>
public sealed class PageblockMap
{
    /// <summary>The cell value of a hole.</summary>
    public const byte Hole = 0xFF;

    /// <summary>
    /// The migratetype bits of a pageblock of a device area the buddy allocator never sees (a no-map carve-out, a GCMA
    /// area): its pages are reserved, so its pageblock migratetype means nothing.
    /// </summary>
    public const int DeviceOnlyType = 7;

    private readonly byte[] _cells;

    private PageblockMap(ulong basePfn, byte[] cells)
    {
        BasePfn = basePfn;
        _cells = cells;
    }

    /// <summary>First pfn of the first pageblock.</summary>
    public ulong BasePfn { get; }

    /// <summary>Number of pageblocks.</summary>
    public int Count => _cells.Length;

    /// <summary>Takes the snapshot (one cell per <c>pageblock_nr_pages</c> step, as pagetypeinfo counts blocks).</summary>
    public static PageblockMap Of(Machine m) => Of(m, []);

    /// <summary>
    /// Takes the snapshot; pageblocks of <paramref name="deviceAreas"/> whose first page is reserved (never handed to
    /// the buddy allocator) are marked device-only (<see cref="DeviceOnlyType"/>).
    /// </summary>
    public static PageblockMap Of(Machine m, IReadOnlyList<PfnRange> deviceAreas)
    {
        int n = (int)(((ulong)m.PfnCount + Pageblock.NrPages - 1) / Pageblock.NrPages);
        var cells = new byte[n];
        for (int b = 0; b < n; b++)
        {
            ulong pfn = m.BasePfn + ((ulong)b * Pageblock.NrPages);
            int zone = m.ZoneIndexOf(pfn);
            cells[b] = zone < 0 ? Hole : Cell(m.Zones[zone].Type, m.PageblockType(pfn));
            if (zone >= 0 && InAny(deviceAreas, pfn) && m.IsReservedPage(pfn))
            {
                cells[b] = (byte)(((int)m.Zones[zone].Type << 3) | DeviceOnlyType);
            }
        }

        return new PageblockMap(m.BasePfn, cells);
    }

    private static bool InAny(IReadOnlyList<PfnRange> ranges, ulong pfn)
    {
        foreach (PfnRange r in ranges)
        {
            if (pfn >= r.Start && pfn < r.End)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when pageblock <paramref name="index"/> belongs to a device area the kernel never uses.</summary>
    public bool IsDeviceOnly(int index) => _cells[index] != Hole && (_cells[index] & 7) == DeviceOnlyType;

    /// <summary>The cell value of a zone type and migratetype.</summary>
    public static byte Cell(ZoneType zone, MigrateType mt) => (byte)(((int)zone << 3) | (int)mt);

    /// <summary>The raw cell of pageblock <paramref name="index"/> (<see cref="Hole"/> or zone &lt;&lt; 3 | migratetype).</summary>
    public byte this[int index] => _cells[index];

    /// <summary>True unless the pageblock is a hole; gives its zone type and migratetype.</summary>
    public bool TryGet(int index, out ZoneType zone, out MigrateType mt)
    {
        byte c = _cells[index];
        zone = (ZoneType)(c >> 3);
        mt = (MigrateType)(c & 0x7);
        return c != Hole;
    }
}
