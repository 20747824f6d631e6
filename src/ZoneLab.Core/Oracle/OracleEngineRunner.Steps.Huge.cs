using System.Globalization;
using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Oracle;

// compact_memory, nr_hugepages and gigantic pages of the oracle workload language.
public sealed partial class OracleEngineRunner
{
    private int CompactMemory()
    {
        for (int n = 0; n < _m.NodeCount; n++)
        {
            _reclaim.Compactor.CompactNode(n);
        }
        return 0;
    }

    /// <summary>
    /// nr_hugepages (mm/hugetlb.c set_max_huge_pages): grow the pool one page at a time with alloc_pool_huge_page,
    /// which tries the nodes round robin (for_each_node_mask_to_alloc) with htlb_alloc_mask | __GFP_COMP |
    /// __GFP_RETRY_MAYFAIL | __GFP_NOWARN | __GFP_THISNODE, and stop at the first failure; shrinking frees pages from
    /// the pool. htlb_alloc_mask is GFP_HIGHUSER_MOVABLE for a size whose pages can migrate and is not gigantic
    /// (hugepage_movable_supported, include/linux/hugetlb.h since v4.20): PMD pages on x86_64 and arm64, so they are
    /// MIGRATE_MOVABLE and may sit in ZONE_MOVABLE. __GFP_RETRY_MAYFAIL is left out on a node whose last attempt
    /// failed (alloc_buddy_huge_page's node_alloc_noretry). The readback is the pool size.
    /// </summary>
    private int Hugepages(long count, Dictionary<string, string> extra)
    {
        const GfpFlags gfpBase = Gfp.HighUserMovable | GfpFlags.Comp | GfpFlags.NoWarn | GfpFlags.ThisNode;
        // mirrors set_max_huge_pages (6.1 mm/hugetlb.c): node_alloc_noretry is cleared once per write of
        // nr_hugepages and handed to every alloc_pool_huge_page -> alloc_fresh_huge_page -> alloc_buddy_huge_page
        bool[] noRetry = new bool[_m.NodeCount];
        while (_hugepages.Count > count)
        {
            (ulong pfn, int order) = _hugepages[^1];
            _hugepages.RemoveAt(_hugepages.Count - 1);
            FreeBlockIfOwned(_kernel, pfn, order, PageUse.Kernel);
        }
        while (_hugepages.Count < count)
        {
            bool got = false;
            for (int t = 0; t < _m.NodeCount && !got; t++)
            {
                int node = _nextNid;
                _nextNid = (_nextNid + 1) % _m.NodeCount;
                // mirrors alloc_buddy_huge_page (6.1 mm/hugetlb.c): "if we are allocating pages in a loop (to adjust
                // global huge page counts) and previous allocation failed, do not continue to try hard on the same
                // node": alloc_try_hard (__GFP_RETRY_MAYFAIL) unless the node's bit is set; a success without it
                // clears the bit ("an overall state change"), a failure with it sets the bit. Without
                // __GFP_RETRY_MAYFAIL the costly order gives up after one direct reclaim and compaction
                // (__alloc_pages_slowpath's "Do not retry costly high order allocations")
                bool tryHard = !noRetry[node];
                GfpFlags gfp = tryHard ? gfpBase | GfpFlags.RetryMayfail : gfpBase;
                AllocResult r = Landed(_m.Allocate(Pageblock.Order, gfp, node, PageUse.Kernel), Pageblock.Order, gfp);
                _cpu.TaskRan(r.Success ? HugePageAllocNs : 0);
                // (a try-hard success leaves the bit clear, a failure without it leaves it set: the bit is the last
                // attempt's failure)
                noRetry[node] = !r.Success;
                HugetlbAttempts.Add((node, tryHard, r.Success));
                if (r.Success)
                {
                    TrackBlock(_kernel, r.Pfn, Pageblock.Order, PageUse.Kernel);
                    _hugepages.Add((r.Pfn, Pageblock.Order));
                    got = true;
                }
            }
            if (!got)
            {
                break;
            }
        }
        extra["readback"] = _hugepages.Count.ToString(CultureInfo.InvariantCulture);
        return 0;
    }

    /// <summary>
    /// nr_hugepages of the gigantic size: alloc_gigantic_folio (6.1 mm/hugetlb.c) first cma_alloc()s from the node's
    /// hugetlb_cma area when one was reserved (then the other nodes' areas), else and on failure
    /// alloc_contig_pages() over the zones GFP_HIGHUSER may use (up to ZONE_NORMAL).
    /// Each gigantic size is its own hstate with its own pool (nr_hugepages of hugepages-NkB counts only its size).
    /// </summary>
    private int Gigantic(long count, ulong bytes, Dictionary<string, string> extra)
    {
        if (_rec.Arch == "x86_64" && !_rec.Info.GetValueOrDefault("cpu_flags", string.Empty).Contains("pdpe1gb", StringComparison.Ordinal))
        {
            // 1 GiB pages exist only with X86_FEATURE_GBPAGES (arch/x86/mm/hugetlbpage.c, hugetlbpage_init); QEMU's
            // default CPU (qemu64) lacks pdpe1gb, so hugepages-1048576kB is absent and the write fails with ENOENT
            return Enoent;
        }

        ulong pages = bytes >> PageShift;
        int order = System.Numerics.BitOperations.Log2(pages);
        int pool = 0;
        foreach ((ulong _, ulong n, CmaAllocator? _) in _gigantic)
        {
            pool += n == pages ? 1 : 0;
        }
        // mirrors set_max_huge_pages (6.1): remove_pool_huge_page takes the head of the node's free list (the page
        // enqueue_huge_page added last, so the last one taken) and list_add()s it to page_list; then
        // update_and_free_pages_bulk walks page_list from its head, so the pages are freed in the reverse order of
        // their removal: the first taken of the removed pages is freed first
        int firstRemoved = _gigantic.Count;
        while (pool > count)
        {
            int last = _gigantic.FindLastIndex(firstRemoved - 1, e => e.Pages == pages);
            (ulong, ulong, CmaAllocator?) removed = _gigantic[last];
            _gigantic.RemoveAt(last);
            _gigantic.Add(removed);
            firstRemoved--;
            pool--;
        }
        for (int k = _gigantic.Count - 1; k >= firstRemoved; k--)
        {
            (ulong pfn, ulong n, CmaAllocator? area) = _gigantic[k];
            if (area != null)
            {
                area.Release(pfn, n);
            }
            else
            {
                _dm.Contig.FreeContigRange(pfn, n);
            }
        }
        _gigantic.RemoveRange(firstRemoved, _gigantic.Count - firstRemoved);
        var hugetlbAreas = _dm.Areas.Where(a => _dm.Layout.CmaAreas.Any(c => c.Name == a.Name && c.Kind == CmaAreaKind.Hugetlb)).ToList();
        while (pool < count)
        {
            int node = _nextGiganticNid;
            _nextGiganticNid = (_nextGiganticNid + 1) % _m.NodeCount;
            (ulong, ulong, CmaAllocator?)? got = null;
            foreach (CmaAllocator a in hugetlbAreas)
            {
                CmaAllocResult r = a.Allocate(pages, order, noWarn: true);
                if (r.Success)
                {
                    got = (r.Pfn, pages, a);
                    break;
                }
            }
            if (got == null && _dm.Contig.AllocContigPages(pages, node, ZoneType.Normal, out _) is ulong pfn)
            {
                got = (pfn, pages, null);
            }
            if (got == null)
            {
                break;
            }
            _gigantic.Add(got.Value);
            pool++;
        }
        extra["readback"] = pool.ToString(CultureInfo.InvariantCulture);
        return 0;
    }
}
