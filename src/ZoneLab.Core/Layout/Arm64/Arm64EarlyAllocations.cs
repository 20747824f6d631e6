using ZoneLab.Layout.DeviceTree;
using ZoneLab.Layout.Memblock;
using MemblockAllocator = ZoneLab.Layout.Memblock.Memblock;

namespace ZoneLab.Layout.Arm64;

/// <summary>
/// The memblock allocations arm64's setup_arch() makes before the default CMA area whose size depends on the
/// machine: paging_init()'s page tables (arch/arm64/mm/mmu.c, early_pgtable_alloc()) and sparse_init()'s
/// mem_section roots, usemaps, memmap buffers and vmemmap tables (mm/sparse.c, mm/sparse-vmemmap.c).
/// </summary>
public static class Arm64EarlyAllocations
{
    /// <summary>
    /// Early page-table pages paging_init() needs besides one PTE table per 2 MiB, one PMD table per 1 GiB and one
    /// PUD table per 512 GiB of linear map (calibrated on memblock.reserved of real boots: 1028 pages for 2 GiB,
    /// 1541 for 3 GiB, 2054 for 4 GiB, 1020 for 2 GiB with a 16 MiB no-map hole).
    /// </summary>
    public const ulong ExtraPageTablePages = 1;

    /// <summary>Bytes of <c>struct mem_section_usage</c> plus the pageblock bitmap per section (8 + 32).</summary>
    public const ulong MemSectionUsageSize = 40;

    /// <summary>Bytes of memmap per section (32768 × 64-byte struct page): section_map_size() = PMD_SIZE.</summary>
    public const ulong SectionMapSize = 2UL << 20;

    /// <summary>paging_init(): the linear map's page tables, page by page from the top.</summary>
    public static void PagingInit(MemblockAllocator mb, ulong memstart) => AllocPagesTopDown(mb, PageTablePages(mb, memstart));

    /// <summary>
    /// paging_init() page-table pages: one PTE table per 2 MiB, one PMD table per 1 GiB, one PUD table per
    /// 512 GiB of mapped (non-nomap) memory (NO_BLOCK_MAPPINGS: Debian's rodata=full maps the linear map with pages),
    /// plus <see cref="ExtraPageTablePages"/>.
    /// </summary>
    public static ulong PageTablePages(MemblockAllocator mb, ulong memstart)
    {
        ulong Distinct(int shift)
        {
            ulong count = 0;
            ulong last = ulong.MaxValue;
            foreach (MemblockRange r in mb.Memory.Regions)
            {
                if (r.IsNoMap || r.Base < memstart)
                {
                    continue;
                }
                ulong first = (r.Base - memstart) >> shift;
                ulong end = (r.End - 1 - memstart) >> shift;
                if (first == last)
                {
                    first++;
                }
                if (end >= first)
                {
                    count += end - first + 1;
                }
                last = Math.Max(last == ulong.MaxValue ? 0 : last, end);
            }
            return count;
        }
        return Distinct(21) + Distinct(30) + Distinct(39) + ExtraPageTablePages;
    }

    /// <summary>Page-by-page top-down allocations (memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, 0, ANYWHERE) repeated).</summary>
    private static void AllocPagesTopDown(MemblockAllocator mb, ulong pages)
    {
        while (pages > 0)
        {
            List<(ulong Start, ulong End, int Nid)> free = mb.FreeRanges(MemblockAllocator.NumaNoNode, MemblockFlags.None);
            bool any = false;
            for (int i = free.Count - 1; i >= 0 && pages > 0; i--)
            {
                ulong s = Math.Max((free[i].Start + Page.Size - 1) & ~(Page.Size - 1), Page.Size);
                ulong e = free[i].End & ~(Page.Size - 1);
                if (e <= s)
                {
                    continue;
                }
                ulong n = Math.Min(pages, (e - s) >> Page.Shift);
                mb.Reserve(e - (n << Page.Shift), n << Page.Shift);
                pages -= n;
                any = true;
                break;
            }
            if (!any)
            {
                return;
            }
        }
    }

    /// <summary>
    /// mirrors sparse_init() with SPARSEMEM_VMEMMAP: the mem_section root table, a root per 256 sections, and per run
    /// of sections of one node the usemaps (near NODE_DATA) and a 2 MiB-aligned memmap buffer on that node, then the
    /// vmemmap's PUD/PMD table pages.
    /// </summary>
    internal static void SparseInit(MemblockAllocator mb, ulong memstart, Dictionary<int, ulong> nodeData, List<MemmapRange>? memmap = null)
    {
        const int sectionShift = Arm64Boot.SectionSizeBits;
        const ulong sectionsPerRoot = Page.Size / 16;
        const ulong nrSectionRoots = (1UL << (Arm64Boot.PhysMaskShift - sectionShift)) / sectionsPerRoot;
        // memblock.memory is sorted and disjoint, so sections come in ascending order and a section shared by two
        // regions is adjacent: a list keeps the first nid as TryAdd did, without a tree of up to 2M sections
        var sectionNid = new List<(ulong Section, int Nid)>();
        var roots = new HashSet<ulong>();
        bool rootTable = false;
        foreach (MemblockRange r in mb.Memory.Regions.ToList())
        {
            // memory_present()
            if (!rootTable)
            {
                mb.Alloc(nrSectionRoots * 8, 64);
                rootTable = true;
            }
            for (ulong s = r.Base >> sectionShift; s <= (r.End - 1) >> sectionShift; s++)
            {
                if (roots.Add(s / sectionsPerRoot))
                {
                    mb.AllocNode(Page.Size, MemblockAllocator.SmpCacheBytes, r.Nid);
                }
                if (sectionNid.Count == 0 || sectionNid[^1].Section != s)
                {
                    sectionNid.Add((s, r.Nid));
                }
            }
        }

        var runs = new List<(int Nid, List<ulong> Sections)>();
        foreach ((ulong s, int nid) in sectionNid)
        {
            if (runs.Count == 0 || runs[^1].Nid != nid)
            {
                runs.Add((nid, new List<ulong>()));
            }
            runs[^1].Sections.Add(s);
        }
        bool pud = false;
        var pmds = new HashSet<ulong>();
        foreach ((int nid, List<ulong> sections) in runs)
        {
            // sparse_early_usemaps_alloc_pgdat_section(): in the section of NODE_DATA if possible
            ulong pgdat = nodeData.TryGetValue(nid, out ulong p) ? p : 0;
            ulong goal = pgdat & ~((1UL << sectionShift) - 1);
            ulong limit = goal + (1UL << sectionShift);
            ulong usageSize = MemSectionUsageSize * (ulong)sections.Count;
            if (mb.AllocInternal(usageSize, MemblockAllocator.SmpCacheBytes, goal, limit, nid, false) == 0)
            {
                mb.AllocInternal(usageSize, MemblockAllocator.SmpCacheBytes, goal, 0, nid, false);
            }
            // sparse_buffer_init() → memmap_alloc(size, section_map_size(), __pa(MAX_DMA_ADDRESS), nid, true)
            ulong buffer = mb.AllocInternal(SectionMapSize * (ulong)sections.Count, SectionMapSize, memstart, MemblockAllocator.AllocAccessible, nid, true);
            for (int k = 0; k < sections.Count; k++)
            {
                ulong s = sections[k];
                // vmemmap_populate(): PUD table once, a PMD table per GiB of vmemmap (64 GiB of memory)
                ulong vmemmapOffset = ((s << sectionShift) - memstart) / 64;
                if (!pud)
                {
                    mb.AllocInternal(Page.Size, Page.Size, memstart, MemblockAllocator.AllocAccessible, nid, false);
                    pud = true;
                }
                if (pmds.Add(vmemmapOffset >> 30))
                {
                    mb.AllocInternal(Page.Size, Page.Size, memstart, MemblockAllocator.AllocAccessible, nid, false);
                }
                ulong map = buffer != 0 ? buffer + (ulong)k * SectionMapSize
                    : mb.AllocInternal(SectionMapSize, SectionMapSize, memstart, MemblockAllocator.AllocAccessible, nid, false);
                memmap?.Add(new MemmapRange(s << (sectionShift - Page.Shift), (s + 1) << (sectionShift - Page.Shift), map));
            }
        }
    }
}
