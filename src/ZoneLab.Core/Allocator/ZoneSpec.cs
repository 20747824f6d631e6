using ZoneLab.Layout;

namespace ZoneLab.Allocator;

/// <summary>
/// One zone as the boot layout produces it: the input of <see cref="Machine"/>. Pfns are absolute.
/// </summary>
/// <param name="Node">NUMA node id.</param>
/// <param name="Type">Zone type.</param>
/// <param name="StartPfn"><c>zone_start_pfn</c>.</param>
/// <param name="SpannedPages"><c>spanned_pages</c> (holes included).</param>
/// <param name="PresentRanges">Memory ranges of the zone (memblock.memory clipped to the zone).</param>
/// <param name="ManagedPages">
/// Pages handed to the buddy allocator. Present pages beyond this count are boot reservations (kernel image,
/// memmap, ...); unless <see cref="MachineSpec.Reserved"/> names them, the model takes them from the lowest present
/// pfns of the zone and keeps them as allocated "reserved" pages.
/// </param>
public sealed record ZoneSpec(int Node, ZoneType Type, ulong StartPfn, ulong SpannedPages, IReadOnlyList<PfnRange> PresentRanges, ulong ManagedPages)
{
    /// <summary>End of the span.</summary>
    public ulong EndPfn => StartPfn + SpannedPages;

    /// <summary>Σ present range sizes.</summary>
    public ulong PresentPages => PfnRange.TotalPages(PresentRanges);
}
