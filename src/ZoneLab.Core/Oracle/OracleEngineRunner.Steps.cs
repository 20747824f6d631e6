using System.Globalization;
using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Hotplug;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Oracle;

public sealed partial class OracleEngineRunner
{
    // vm.dirty_ratio and vm.dirty_background_ratio defaults (mm/page-writeback.c)
    private const double DirtyRatio = 0.20, DirtyBackgroundRatio = 0.10;

    // kcompactd's proactive-compaction period, HPAGE_FRAG_CHECK_INTERVAL_MSEC (mm/compaction.c)
    private const double KcompactdPeriod = 0.5;

    private const int Enoent = 2, Enomem = 12;

    // The workload's own CPU time per page it faults in, writes or reads, the task side of SingleCpuScheduler: a minor
    // anonymous fault with its zeroed page costs about 1 µs on a current x86 core (median 1013 ns over 100 faults,
    // Linux 6.6 on an 11th-generation Core i7 at 3.2 GHz: https://ddumbying.vercel.app/experiments/pagefault-latency);
    // copying 4 KiB into a page-cache page and inserting it is taken to be of the same order.
    private const double TaskPageNs = 1_000;

    /// <summary>
    /// The memory the kernel had in use when the first snapshot was taken (kernel image data, slab, page tables,
    /// the trace ring buffer, the unpacked initramfs): per zone, managed − free of the first /proc/zoneinfo,
    /// allocated in the zone (lowest zone first) as unmovable, reclaimable (SReclaimable) and movable (Cached +
    /// AnonPages) pages in the proportions of the first /proc/meminfo, unmovable first as at boot.
    /// </summary>
    private void AllocateResidue()
    {
        IReadOnlyList<ZoneinfoZone> zi = ZoneinfoReader.ParseFile(_rec.PathOf("step0.zoneinfo.txt"));
        Dictionary<string, long> mi = Meminfo(_rec.PathOf("step0.meminfo.txt"));
        long movableKb = mi.GetValueOrDefault("Cached") + mi.GetValueOrDefault("AnonPages");
        long reclaimKb = mi.GetValueOrDefault("SReclaimable");
        long usedKb = mi.GetValueOrDefault("MemTotal") - mi.GetValueOrDefault("MemFree");
        double movShare = usedKb <= 0 ? 0 : Math.Min(1, (double)movableKb / usedKb);
        double recShare = usedKb <= 0 ? 0 : Math.Min(1 - movShare, (double)reclaimKb / usedKb);
        foreach (Zone z in _m.Zones.OrderBy(z => z.Type).ThenBy(z => z.Node))
        {
            ZoneinfoZone? real = zi.FirstOrDefault(r => r.Node == z.Node && r.Type == z.Type);
            if (real == null || !z.IsPopulated)
            {
                continue;
            }
            long used = Math.Max(0, z.NrFreePages - (long)real.Free);
            GfpFlags zoneGfp = z.Type switch
            {
                ZoneType.Dma => GfpFlags.Dma,
                ZoneType.Dma32 => GfpFlags.Dma32,
                ZoneType.Movable => GfpFlags.Highmem | GfpFlags.Movable,
                _ => GfpFlags.None,
            };
            bool movableOnly = z.Type == ZoneType.Movable;
            long unmov = movableOnly ? 0 : (long)(used * (1 - movShare - recShare));
            long rec = movableOnly ? 0 : (long)(used * recShare);
            Fill(z, unmov, Gfp.Kernel | zoneGfp, PageUse.Kernel);
            Fill(z, rec, Gfp.Kernel | GfpFlags.Reclaimable | zoneGfp, PageUse.SlabReclaimable);
            Fill(z, z.NrFreePages - (long)real.Free, Gfp.HighUserMovable & ~GfpFlags.Highmem | zoneGfp, PageUse.Anon);
        }
    }

    private void Fill(Zone z, long pages, GfpFlags gfp, PageUse use)
    {
        for (long i = 0; i < pages; i++)
        {
            AllocResult r = _m.Allocate(0, gfp | GfpFlags.NoWarn, z.Node, use);
            if (!r.Success)
            {
                return;
            }
            if (_m.ZoneIndexOf(r.Pfn) != z.Index)
            {
                _m.Free(r.Pfn, 0);
                return;
            }
            if (use == PageUse.Anon)
            {
                TagPage(_kernel, r.Pfn);
            }
            else
            {
                TrackBlock(_kernel, r.Pfn, 0, use);
            }
        }
    }

    private static Dictionary<string, long> Meminfo(string path)
    {
        var d = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(path))
        {
            string[] t = line.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries);
            if (t.Length >= 2 && long.TryParse(t[1], CultureInfo.InvariantCulture, out long v))
            {
                d[t[0]] = v;
            }
        }
        return d;
    }

    private int Step(OracleStep s, Dictionary<string, string> extra) => s switch
    {
        AnonStep a => Anon(a, extra),
        ThinStep t => Thin(t, extra),
        FreeStep f => FreeHolding(f.Name),
        FileStep f => WriteFile(f),
        ReadStep r => ReadFile(r),
        FilesStep f => Files(f),
        PipesStep p => Pipes(p),
        DropCachesStep d => DropCaches(d.Mode),
        CompactMemoryStep => CompactMemory(),
        HugepagesStep h => Hugepages(h.Count, extra),
        GiganticStep g => Gigantic(g.Count, extra),
        OfflineStep o => Offline(o, extra),
        OnlineStep o => Online(o, extra),
        SleepStep z => Sleep(z.Seconds),
        _ => throw new InvalidOperationException($"step type {s.GetType().Name} has no engine form"),
    };

    private Holding Hold(string name)
    {
        Holding h = NewHolding(name);
        _held[name] = h;
        return h;
    }

    private Holding Held(string name) => _held.TryGetValue(name, out Holding? h) ? h : throw new ZoneLabInputException(_w.Source, $"'{name}' is not held");

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
    /// One PTE page per 512 pages (__pte_alloc, or the page table deposited with each THP).
    /// </summary>
    private int Anon(AnonStep a, Dictionary<string, string> extra)
    {
        Holding h = Hold(a.Name);
        long pages = (long)(a.Bytes >> PageShift);
        long pmd = (long)Pageblock.NrPages;
        long thps = ThpEnabled && pages >= 2 * pmd ? (pages / pmd) - 1 : 0;
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
            AllocResult r = _m.Allocate(Pageblock.Order, thp | GfpFlags.ThisNode | GfpFlags.NoRetry, 0, PageUse.Anon);
            if (!r.Success && a.Thp)
            {
                r = _m.Allocate(Pageblock.Order, thp, 0, PageUse.Anon);
            }
            if (r.Success)
            {
                _thpAlloc++;
                TrackBlock(h, r.Pfn, Pageblock.Order, PageUse.Anon);
                _cpu.TaskRan(pmd * TaskPageNs);
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
        for (long t = 0; t < (pages + 511) / 512; t++)
        {
            AllocResult r = _m.Allocate(0, Gfp.KernelAccount | GfpFlags.Zero, 0, PageUse.Kernel);
            if (r.Success)
            {
                _tag[Ix(r.Pfn)] = h.Id;
                h.PageTables.Add(r.Pfn);
            }
        }
        extra["pages"] = pages.ToString(CultureInfo.InvariantCulture);
        return 0;
    }

    /// <summary>
    /// mirrors hugepage_init (6.1 mm/huge_memory.c): "By default disable transparent hugepages on smaller systems"
    /// — transparent_hugepage_flags = 0 when totalram_pages() &lt; 512 MiB, whatever the config says. totalram is the
    /// managed pages of every zone (MemTotal); the same rule keeps khugepaged from raising min_free_kbytes
    /// (<see cref="WatermarkCalculator.StartKhugepaged"/>).
    /// </summary>
    private bool ThpEnabled => _m.WatermarkCalculator.TotalramPages() >= WatermarkCalculator.ThpMinTotalramPages;

    private bool SmallPages(Holding h, long n, GfpFlags gfp = Gfp.HighUserMovable, PageUse use = PageUse.Anon)
    {
        for (long i = 0; i < n; i++)
        {
            AllocResult r = _m.Allocate(0, gfp, 0, use);
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
        }
        else if (OwnsPage(h, k))
        {
            _tag[Ix(pfn)] = 0;
            _m.Free(pfn, 0);
            if (h.OnDisk && h.FileBytes > 0)
            {
                RemoveObjects("buffer_head", 1);
            }
        }
        h.Pages[k] = 0;
    }

    private int FreeHolding(string name)
    {
        Holding h = Held(name);
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
        foreach ((SlabCache c, long n) in h.SlabObjects)
        {
            foreach (ulong slab in c.Remove(n))
            {
                FreeBlockIfOwned(_kernel, slab, c.Order, _m.UseOf(slab));
            }
        }
        if (h.FileBytes > 0)
        {
            RemoveObjects("radix_tree_node", XaNodes((long)(h.FileBytes >> PageShift)));
        }
        _held.Remove(name);
        return 0;
    }

    // one xa_node (radix_tree_node, SLAB_RECLAIM_ACCOUNT) per XA_CHUNK_SIZE = 64 slots of a file's page cache
    private static long XaNodes(long pages) => (pages + 63) / 64;

    /// <summary>
    /// The slab a page-cache page brings along: every 64th page of a file a new xa_node of its mapping's xarray
    /// (radix_tree_node), and for ext4 one buffer_head per page (4 KiB blocks: ext4_da_write_begin →
    /// __block_write_begin → create_empty_buffers); both caches are SLAB_RECLAIM_ACCOUNT, so their slabs are
    /// MIGRATE_RECLAIMABLE and steal movable pageblocks as the file grows (the guest's SReclaimable grows by 8.6 MiB
    /// while 300 MiB are written to ext4: 76800 buffer heads in 39-object slabs and 1200 nodes in 14-object slabs).
    /// </summary>
    private void AddPageCacheMetadata(Holding h, long index)
    {
        if (index % 64 == 0)
        {
            AddObjects(null, "radix_tree_node", true, 1);
        }
        if (h.OnDisk)
        {
            AddObjects(null, "buffer_head", true, 1);
        }
    }

    // reclaim drops a clean page-cache page: try_to_free_buffers frees its buffer head (the xa_node stays, holding
    // the shadow entry)
    private void OnFileDropped(ulong pfn)
    {
        int id = _tag[Ix(pfn)];
        if (id > 0 && _byId[id - 1].OnDisk && _byId[id - 1].FileBytes > 0)
        {
            RemoveObjects("buffer_head", 1);
        }
    }

    private void RemoveObjects(string cache, long n)
    {
        if (!_caches.TryGetValue(cache, out SlabCache? c))
        {
            return;
        }
        foreach (ulong slab in c.Remove(n))
        {
            FreeBlockIfOwned(_kernel, slab, c.Order, PageUse.SlabReclaimable);
        }
    }

    /// <summary>
    /// A file written through the page cache: ext4 pages are GFP_HIGHUSER_MOVABLE page cache (clean after fsync,
    /// else dirty until writeback: balance_dirty_pages keeps dirty pages under vm.dirty_ratio of the dirtyable
    /// memory, so older ones are written back as new ones are dirtied); tmpfs pages are shmem, swap-backed, on
    /// the anonymous LRU.
    /// </summary>
    private int WriteFile(FileStep f)
    {
        Holding h = Hold(f.Name);
        h.OnDisk = f.OnDisk;
        h.FileBytes = f.Bytes;
        h.Use = f.OnDisk ? (f.Dirty ? PageUse.FileDirty : PageUse.File) : PageUse.Anon;
        long pages = (long)(f.Bytes >> PageShift);
        for (long i = 0; i < pages; i++)
        {
            AllocResult r = _m.Allocate(0, Gfp.HighUserMovable, 0, h.Use);
            if (!r.Success)
            {
                return Enomem;
            }
            TagPage(h, r.Pfn);
            AddPageCacheMetadata(h, i);
            _cpu.TaskRan(TaskPageNs);
            if (h.Use == PageUse.FileDirty)
            {
                _dirty.Enqueue(r.Pfn);
                Throttle(DirtyRatio);
            }
        }
        return 0;
    }

    // write back the oldest dirty pages until at most `ratio` of the dirtyable memory (free + file) is dirty
    private void Throttle(double ratio)
    {
        long file = 0;
        for (int n = 0; n < _m.NodeCount; n++)
        {
            file += _m.UsePages(n, PageUse.File) + _m.UsePages(n, PageUse.FileDirty);
        }
        long limit = (long)((_m.TotalFreePages() + file) * ratio);
        while (_dirty.Count > limit)
        {
            ulong pfn = _dirty.Dequeue();
            if (_m.IsAllocatedHead(pfn, out int o) && o == 0 && _m.UseOf(pfn) == PageUse.FileDirty)
            {
                _m.SetDirty(pfn, false);
            }
        }
    }

    /// <summary>A second read: resident pages are marked accessed (mark_page_accessed activates them), dropped ones read in again.</summary>
    private int ReadFile(ReadStep r)
    {
        Holding h = Held(r.Name);
        int n = h.Pages.Count;
        for (int k = 0; k < n; k++)
        {
            if (OwnsPage(h, k))
            {
                _m.MarkAccessed(h.Pages[k]);
                continue;
            }
            AllocResult a = _m.Allocate(0, Gfp.HighUserMovable, 0, h.OnDisk ? PageUse.File : PageUse.Anon);
            if (!a.Success)
            {
                return Enomem;
            }
            _tag[Ix(a.Pfn)] = h.Id;
            _tagIndex[Ix(a.Pfn)] = k;
            h.Pages[k] = a.Pfn;
            _cpu.TaskRan(TaskPageNs);
            if (h.OnDisk)
            {
                AddObjects(null, "buffer_head", true, 1);
            }
        }
        return 0;
    }

    private SlabCache Cache(string name, bool reclaimable)
    {
        if (!_caches.TryGetValue(name, out SlabCache? c))
        {
            (int per, int order, _) = _slabinfo.TryGetValue(name, out var g) ? g
                : throw new ZoneLabInputException(_rec.PathOf("step0.slabinfo.txt"), $"no kmem cache '{name}' in the guest's slabinfo");
            c = new SlabCache(name, per, order, reclaimable);
            _caches[name] = c;
        }
        return c;
    }

    // sizeof(struct pipe_inode_info) on 64-bit 6.1 (~150 bytes) and PIPE_DEF_BUFFERS (16) × sizeof(struct pipe_buffer) (40)
    private const int PipeInodeInfoBytes = 152, PipeBuffersBytes = 16 * 40;

    /// <summary>The kmalloc cache kmalloc(size) uses: the smallest kmalloc-* cache of the guest whose objects hold it.</summary>
    private string Kmalloc(int size) =>
        _slabinfo.Where(c => c.Key.StartsWith("kmalloc-", StringComparison.Ordinal) && c.Key[8..].TrimEnd('k').All(char.IsAsciiDigit) && c.Value.ObjSize >= size)
            .OrderBy(c => c.Value.ObjSize).Select(c => c.Key).FirstOrDefault()
            ?? throw new ZoneLabInputException(_rec.PathOf("step0.slabinfo.txt"), $"no kmalloc cache for {size} bytes");

    private bool AddObjects(Holding? h, string cache, bool reclaimable, long n)
    {
        SlabCache c = Cache(cache, reclaimable);
        h?.SlabObjects.Add((c, n));
        return c.Add(_m, n, (pfn, order, use) => TrackBlock(_kernel, pfn, order, use));
    }

    /// <summary>
    /// Empty files: one inode (shmem_inode_cache for tmpfs, unmovable; ext4_inode_cache, SLAB_RECLAIM_ACCOUNT) and one
    /// dentry (SLAB_RECLAIM_ACCOUNT) each, in slabs of the guest's own geometry.
    /// </summary>
    private int Files(FilesStep f)
    {
        Holding h = Hold(f.Name);
        h.OnDisk = f.OnDisk;
        bool ok = AddObjects(h, f.OnDisk ? "ext4_inode_cache" : "shmem_inode_cache", f.OnDisk, f.Count)
            && AddObjects(h, "dentry", true, f.Count);
        return ok ? 0 : Enomem;
    }

    /// <summary>
    /// Pipes (fs/pipe.c): per pipe an inode of pipefs (inode_cache, reclaim-accounted), a dentry, two struct file
    /// (filp), pipe_inode_info (kmalloc-192) and its 16 pipe_buffers (kmalloc-1k); the one page written is
    /// alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT) in pipe_write: unmovable.
    /// </summary>
    private int Pipes(PipesStep p)
    {
        Holding h = Hold(p.Name);
        bool ok = AddObjects(h, "inode_cache", true, p.Count) && AddObjects(h, "dentry", true, p.Count)
            && AddObjects(h, "filp", false, 2 * p.Count) && AddObjects(h, Kmalloc(PipeInodeInfoBytes), false, p.Count)
            && AddObjects(h, Kmalloc(PipeBuffersBytes), false, p.Count);
        for (long i = 0; i < p.Count && ok; i++)
        {
            AllocResult r = _m.Allocate(0, Gfp.HighUser | GfpFlags.Account, 0, PageUse.Kernel);
            ok = r.Success && TrackBlock(h, r.Pfn, 0, PageUse.Kernel);
        }
        return ok ? 0 : Enomem;
    }

    /// <summary>
    /// drop_caches (fs/drop_caches.c): 1 invalidates clean, unmapped page cache of every file (ext4 here; tmpfs pages
    /// are not page cache that can be dropped); 2 shrinks the dentry and inode caches, which frees the unused ones:
    /// the ext4 files' (closed), not tmpfs' (a tmpfs dentry is pinned while its file exists) nor open pipes'.
    /// </summary>
    private int DropCaches(int mode)
    {
        if ((mode & 2) != 0)
        {
            DropSlabDeferredSplit();
        }
        foreach (Holding h in _held.Values)
        {
            if ((mode & 1) != 0 && h.OnDisk)
            {
                for (int k = 0; k < h.Pages.Count; k++)
                {
                    if (OwnsPage(h, k) && _m.UseOf(h.Pages[k]) == PageUse.File)
                    {
                        ReleasePage(h, k);
                    }
                }
            }
            if ((mode & 2) != 0 && h.OnDisk && h.SlabObjects.Count > 0)
            {
                foreach ((SlabCache c, long n) in h.SlabObjects)
                {
                    foreach (ulong slab in c.Remove(n))
                    {
                        FreeBlockIfOwned(_kernel, slab, c.Order, PageUse.SlabReclaimable);
                    }
                }
                h.SlabObjects.Clear();
            }
        }
        return 0;
    }

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
    /// MIGRATE_MOVABLE and may sit in ZONE_MOVABLE. The readback is the pool size.
    /// </summary>
    private int Hugepages(long count, Dictionary<string, string> extra)
    {
        const GfpFlags gfp = Gfp.HighUserMovable | GfpFlags.Comp | GfpFlags.RetryMayfail | GfpFlags.NoWarn | GfpFlags.ThisNode;
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
                AllocResult r = _m.Allocate(Pageblock.Order, gfp, node, PageUse.Kernel);
                _cpu.TaskRan(0);
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
    /// </summary>
    private int Gigantic(long count, Dictionary<string, string> extra)
    {
        if (_rec.Arch == "x86_64" && !_rec.Info.GetValueOrDefault("cpu_flags", string.Empty).Contains("pdpe1gb", StringComparison.Ordinal))
        {
            // 1 GiB pages exist only with X86_FEATURE_GBPAGES (arch/x86/mm/hugetlbpage.c, hugetlbpage_init); QEMU's
            // default CPU (qemu64) lacks pdpe1gb, so hugepages-1048576kB is absent and the write fails with ENOENT
            return Enoent;
        }

        ulong pages = OracleWorkloadChecks.GiganticBytes(_rec.Arch) >> PageShift;
        int order = System.Numerics.BitOperations.Log2(pages);
        while (_gigantic.Count > count)
        {
            (ulong pfn, ulong n, CmaAllocator? area) = _gigantic[^1];
            _gigantic.RemoveAt(_gigantic.Count - 1);
            if (area != null)
            {
                area.Release(pfn, n);
            }
            else
            {
                _dm.Contig.FreeContigRange(pfn, n);
            }
        }
        var hugetlbAreas = _dm.Areas.Where(a => _dm.Layout.CmaAreas.Any(c => c.Name == a.Name && c.Kind == CmaAreaKind.Hugetlb)).ToList();
        while (_gigantic.Count < count)
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
        }
        extra["readback"] = _gigantic.Count.ToString(CultureInfo.InvariantCulture);
        return 0;
    }

    private MemoryHotplug Hotplug()
    {
        return _hotplug ??= HotplugMachine.Over(_m, _dm.Layout);
    }

    /// <summary>The same block the guest picks: the INDEX-th online block whose valid_zones starts with the zone.</summary>
    private int Offline(OfflineStep o, Dictionary<string, string> extra)
    {
        MemoryHotplug hp = Hotplug();
        var candidates = hp.Blocks.Where(b => b.State == BlockState.Online && hp.ValidZones(b.Index).Split(' ')[0] == o.Zone)
            .Select(b => b.Index).Order().ToList();
        int i = o.Block < 0 ? candidates.Count + o.Block : o.Block;
        Holding h = Hold(o.Name);
        if (i < 0 || i >= candidates.Count)
        {
            extra["candidates"] = candidates.Count.ToString(CultureInfo.InvariantCulture);
            return Enoent;
        }
        h.Block = (int)candidates[i];
        extra["block"] = h.Block.ToString(CultureInfo.InvariantCulture);
        HotplugResult r = hp.Offline(candidates[i]);
        return r.Errno < 0 ? -r.Errno : r.Errno;
    }

    private int Online(OnlineStep o, Dictionary<string, string> extra)
    {
        Holding h = Held(o.Name);
        _held.Remove(o.Name);
        extra["block"] = h.Block.ToString(CultureInfo.InvariantCulture);
        if (h.Block < 0)
        {
            return Enoent;
        }
        HotplugResult r = Hotplug().Online((ulong)h.Block, OnlineType.Online);
        return r.Errno < 0 ? -r.Errno : r.Errno;
    }

    /// <summary>Time passes: kcompactd's proactive compaction checks every 500 ms, writeback cleans down to the background threshold.</summary>
    private int Sleep(double seconds)
    {
        for (double t = 0; t < seconds; t += KcompactdPeriod)
        {
            _cpu.TaskSleeps(KcompactdPeriod * 1e9);
            for (int n = 0; n < _m.NodeCount; n++)
            {
                _reclaim.Compactor.ProactiveCompact(n);
            }
        }
        Throttle(DirtyBackgroundRatio);
        return 0;
    }
}
