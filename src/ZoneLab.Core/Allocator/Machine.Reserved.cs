namespace ZoneLab.Allocator;

public sealed unsafe partial class Machine
{
    /// <summary>
    /// True when the page is reserved (PageReserved: present but never given to the buddy allocator, like a memblock
    /// reservation, a no-map carve-out or a GCMA area).
    /// </summary>
    public bool IsReservedPage(ulong pfn) => (_flags[CheckedIndex(pfn)] >> 4) == KindReserved;
}
