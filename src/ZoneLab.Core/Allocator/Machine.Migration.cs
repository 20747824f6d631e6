namespace ZoneLab.Allocator;

public sealed partial class Machine
{
    /// <summary>
    /// Called with (old pfn, new pfn) whenever a page's contents move: compaction, alloc_contig_range and memory
    /// offline all migrate through <c>migrate_pages()</c>, which keeps the page's owner (its mapping or page table
    /// entry) pointing at the new copy; a workload model that tracks its pages by pfn follows them here.
    /// </summary>
    public Action<ulong, ulong>? PageMigrated { get; set; }

    internal partial void NotifyMigrated(ulong from, ulong to) => PageMigrated?.Invoke(from, to);
}
