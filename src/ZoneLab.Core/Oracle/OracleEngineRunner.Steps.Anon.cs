using System.Globalization;
using ZoneLab.Allocator;

namespace ZoneLab.Oracle;

// Anonymous memory steps (anon, thin, free) of the oracle workload language: mmap + touch, MADV_DONTNEED, munmap.
public sealed partial class OracleEngineRunner
{
    /// <summary>
    /// mmap + touch (do_anonymous_page, one order-0 GFP_HIGHUSER_MOVABLE page per 4 KiB) with transparent huge pages as
    /// Debian's 6.1 kernels configure them: enabled=always (CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS=y) and the kernel's
    /// default defrag=madvise, unless hugepage_init turned THP off on a machine under 512 MiB (see
    /// <see cref="ThpEnabled"/>). Each 2 MiB-aligned range of the mapping then faults one THP
    /// (do_huge_pmd_anonymous_page) with vma_thp_gfp_mask's mask: GFP_TRANSHUGE_LIGHT (no reclaim, no kswapd) for a
    /// plain VMA, GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM with MADV_HUGEPAGE; vma_alloc_folio first tries the
    /// local node alone (__GFP_THISNODE | __GFP_NORETRY) and only a madvised VMA retries on every node. A failure
    /// falls back to small pages (thp_fault_fallback). 6.1 does not align anonymous mappings to 2 MiB (that came
    /// with 6.7's "align larger anonymous mappings on THP boundaries"), so a mapping of N × 2 MiB holds N − 1 whole
    /// PMD ranges: the partial ranges at both ends get small pages (the guest's 700 MiB gave 349 THPs, 384 MiB 191).
    /// One PTE page per 512 pages (__pte_alloc, or the page table deposited with each THP), allocated where the
    /// fault allocates it: handle_pte_fault → do_anonymous_page calls pte_alloc() before it allocates the data page,
    /// so the table of a 512-page range comes just before that range's first page, and
    /// __do_huge_pmd_anonymous_page allocates the deposited table (pte_alloc_one) just after the THP
    /// (6.1 mm/memory.c, mm/huge_memory.c). The unmovable tables thus interleave in time with the movable pages, as
    /// they do in the guest, instead of coming all at the end of the step.
    /// </summary>
    private int Anon(AnonStep a, Dictionary<string, string> extra)
    {
        Holding h = Hold(a.Name);
        long pages = (long)(a.Bytes >> PageShift);
        _faulted = 0;
        long pmd = (long)Pageblock.NrPages;
        // MADV_NOHUGEPAGE (VM_NOHUGEPAGE): hugepage_vma_check refuses the VMA, every fault takes a small page
        long thps = ThpEnabled && !a.NoThp && pages >= 2 * pmd ? (pages / pmd) - 1 : 0;
        // the unaligned head of the mapping: half a PMD range (the offset of the kernel's mmap base is not recorded)
        long head = thps > 0 ? pmd / 2 : 0;
        if (!SmallPages(h, head))
        {
            return Enomem;
        }
        long done = head;
        GfpFlags thp = Gfp.TransHugeLight | (a.Thp ? GfpFlags.DirectReclaim : GfpFlags.None);
        for (long t = 0; t < thps; t++, done += pmd)
        {
            AllocResult r = Landed(_m.Allocate(Pageblock.Order, thp | GfpFlags.ThisNode | GfpFlags.NoRetry, 0, PageUse.Anon), Pageblock.Order, thp);
            if (!r.Success && a.Thp)
            {
                r = Landed(_m.Allocate(Pageblock.Order, thp, 0, PageUse.Anon), Pageblock.Order, thp);
            }
            if (r.Success)
            {
                _thpAlloc++;
                TrackBlock(h, r.Pfn, Pageblock.Order, PageUse.Anon);
                _cpu.TaskRan(pmd * TaskPageNs);
                PageTable(h); // __do_huge_pmd_anonymous_page: pte_alloc_one after the folio, for pgtable_trans_huge_deposit
                _faulted += pmd;
            }
            else
            {
                _thpFallback++;
                if (!SmallPages(h, pmd))
                {
                    return Enomem;
                }
            }
        }
        if (!SmallPages(h, pages - done))
        {
            return Enomem;
        }
        extra["pages"] = pages.ToString(CultureInfo.InvariantCulture);
        return 0;
    }

    /// <summary>
    /// mirrors hugepage_init (6.1 mm/huge_memory.c): "By default disable transparent hugepages on smaller systems"
    /// — transparent_hugepage_flags = 0 when totalram_pages() &lt; 512 MiB, whatever the config says. totalram is the
    /// managed pages of every zone as hugepage_init (subsys_initcall) saw them, before the initrd and init sections
    /// were freed; the same decision starts khugepaged (<see cref="WatermarkCalculator.StartKhugepaged"/>, replayed
    /// with those counts by BootWatermarksAsTheGuest), so its outcome is read from there.
    /// </summary>
    private bool ThpEnabled => _m.WatermarkCalculator.KhugepagedRunning;

    // the pages the current anon step has faulted so far (its PMD ranges: one page table per 512 pages)
    private long _faulted;

    // pte_alloc → __pte_alloc → pte_alloc_one (GFP_PGTABLE_USER: GFP_KERNEL | __GFP_ACCOUNT | __GFP_ZERO, order 0)
    private void PageTable(Holding h)
    {
        AllocResult r = Landed(_m.Allocate(0, Gfp.KernelAccount | GfpFlags.Zero, 0, PageUse.Kernel), 0, Gfp.KernelAccount);
        if (r.Success)
        {
            _tag[Ix(r.Pfn)] = h.Id;
            h.PageTables.Add(r.Pfn);
        }
    }

    private bool SmallPages(Holding h, long n, GfpFlags gfp = Gfp.HighUserMovable, PageUse use = PageUse.Anon)
    {
        for (long i = 0; i < n; i++)
        {
            if (_faulted++ % 512 == 0)
            {
                PageTable(h); // do_anonymous_page: pte_alloc() before the range's first data page
            }
            AllocResult r = Landed(_m.Allocate(0, gfp, 0, use), 0, gfp);
            if (!r.Success)
            {
                return false; // the kernel would OOM-kill here; the engine stops the step
            }
            TagPage(h, r.Pfn);
            _cpu.TaskRan(TaskPageNs);
        }
        return true;
    }

    /// <summary>MADV_DONTNEED on all pages but one in <c>keep</c>: zap_page_range frees them (a swapped page frees its slot).</summary>
    private int Thin(ThinStep t, Dictionary<string, string> extra)
    {
        Holding h = Held(t.Name);
        long freed = 0;
        for (int k = 0; k < h.Pages.Count; k++)
        {
            if (k % t.Keep == 0)
            {
                continue;
            }
            ReleasePage(h, k);
            freed++;
        }
        // a THP loses all but its kept pages: zap_pmd_range splits the PMD mapping (__split_huge_pmd) and the folio
        // goes on the deferred split queue with all its memory (OracleEngineRunner.DeferredSplit.cs); the unmapped
        // subpages are counted here as the guest counts them (pages madvised away)
        foreach ((ulong pfn, int order, PageUse use) in h.Blocks.ToList())
        {
            if (order == Pageblock.Order && use == PageUse.Anon && _tag[Ix(pfn)] == h.Id && _m.IsAllocatedHead(pfn, out int o) && o == order && !_queuedAt.ContainsKey(pfn))
            {
                DeferSplit(h, pfn, t.Keep);
                freed += (long)(Pageblock.NrPages - ((Pageblock.NrPages + (ulong)t.Keep - 1) / (ulong)t.Keep));
            }
        }
        extra["pages"] = freed.ToString(CultureInfo.InvariantCulture);
        return 0;
    }

    private void ReleasePage(Holding h, int k)
    {
        ulong pfn = h.Pages[k];
        if (pfn == Swapped)
        {
            _m.SwapUsedPages--; // zap_pte_range → free_swap_and_cache
            if (_swapCache.Remove((h.Id, k), out ulong sc) && _freeSwapCache)
            {
                // the entry's last user is gone and only the swap cache holds the folio (count == SWAP_HAS_CACHE):
                // __try_to_reclaim_swap with TTRS_UNMAPPED finds it unmapped, folio_free_swap deletes it from the
                // swap cache and the last folio_put frees it (6.1 mm/swapfile.c free_swap_and_cache). The guest's
                // anon-swap runs: SwapCached 7620 kB before `free a`, 56 kB after
                _swapCacheAt.Remove(sc);
                if (_tag[Ix(sc)] == 0 && _m.IsAllocatedHead(sc, out int o) && o == 0 && _m.UseOf(sc) == PageUse.Anon)
                {
                    _m.Free(sc, 0);
                }
            }
        }
        else if (OwnsPage(h, k))
        {
            _tag[Ix(pfn)] = 0;
            _m.Free(pfn, 0);
            if (h.OnDisk)
            {
                FreeBufferHead(h, k);
            }
        }
        h.Pages[k] = 0;
    }

    private int FreeHolding(string name)
    {
        Holding h = Held(name);
        if (h.OnDisk)
        {
            Ext4Unlink(name);
        }
        for (int k = 0; k < h.Pages.Count; k++)
        {
            if (h.Pages[k] != 0)
            {
                ReleasePage(h, k);
            }
        }
        foreach ((ulong pfn, int order, PageUse use) in h.Blocks)
        {
            FreeBlockIfOwned(h, pfn, order, use);
        }
        foreach (ulong pt in h.PageTables)
        {
            FreeBlockIfOwned(h, pt, 0, PageUse.Kernel);
        }
        // close/unlink in creation order: each object back to its slab (__slab_free), SLUB keeps some slabs
        FreeObjects(h, _ => true);
        // truncate_inode_pages_final → the file's whole xarray: every node freed (xas_delete_node)
        FreeEmptyXaNodes(h);
        _held.Remove(name);
        return 0;
    }
}
