namespace ZoneLab.Layout;

/// <summary>Page geometry shared by x86-64 and arm64 with 4 KiB pages.</summary>
public static class Page
{
    /// <summary>PAGE_SHIFT.</summary>
    public const int Shift = 12;

    /// <summary>PAGE_SIZE.</summary>
    public const ulong Size = 1UL << Shift;

    /// <summary>MAX_ORDER_NR_PAGES in 6.1 (MAX_ORDER = 11, orders 0..10).</summary>
    public const ulong MaxOrderNrPages = 1024;

    /// <summary>pageblock_nr_pages (pageblock_order = 9 with 4 KiB pages and THP).</summary>
    public const ulong PageblockNrPages = 512;

    /// <summary>PFN_UP(addr).</summary>
    public static ulong PfnUp(ulong addr) => (addr + Size - 1) >> Shift;

    /// <summary>PFN_DOWN(addr).</summary>
    public static ulong PfnDown(ulong addr) => addr >> Shift;

    /// <summary>roundup(x, y) for a power-of-two or any y.</summary>
    public static ulong RoundUp(ulong x, ulong y) => (x + y - 1) / y * y;

    /// <summary>rounddown(x, y).</summary>
    public static ulong RoundDown(ulong x, ulong y) => x / y * y;
}
