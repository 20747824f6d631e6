using System.Runtime.CompilerServices;
using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Hotplug;
using ZoneLab.Layout;

namespace ZoneLab.Workloads.Simulation;

internal sealed partial class Simulation
{
    // PTRS_PER_PTE on x86-64 and arm64 with 4 KiB pages
    private const int PtrsPerPte = 512;

    // CONFIG_CMA_ALIGNMENT default: dma_alloc_from_contiguous aligns to min(get_order(size), 8)
    private const int CmaAlignmentMax = 8;

    private long Room(ActorState st, double? limitBytes, long want) =>
        limitBytes is double l ? Math.Max(0, Math.Min(want, ((long)l >> PageShift) - st.PagesHeld)) : want;

    // anonymous memory: order-0 GFP_HIGHUSER_MOVABLE; a pinned fraction joins alloc_contig_range's pinned set
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: compiled once, optimized (no tier-0, OSR, re-JIT)
    internal void StepAnon(ActorState st, AnonActor a, double dt, double phaseEnd)
    {
        if (st.Swapped.Count > 0)
        {
            SwapIn(st, a, dt);
        }
        long pages = Room(st, a.LimitBytes, Draw(st, a.Rate.Sample(st.Rng) * dt / (1 << PageShift)));
        // sized for the tick's pages: growing the list by doubling copied and reallocated it about twice over
        var h = new Holding(0, PageUse.Anon, false, (int)Math.Min(pages, 1 << 20)) { Owner = st, Actor = a };
        st.Current = h;
        int kills = st.OomKills;
        int node = LocalNode(a);
        var run = new AnonFaultRun(this, st, h, a.PinnedFraction);
        long i = 0;
        while (i < pages)
        {
            // the faults' common case a run at a time (Machine.AllocateOrder0Run: the pages, draws and bookkeeping of
            // the per-page loop below, in its order); the page the run stops at goes through that loop's steps
            i += _m.AllocateOrder0Run(Gfp.HighUserMovable, node, ref run, pages - i);
            ulong pfn;
            bool pin;
            if (run.Pinned)
            {
                // the run's last page was drawn pinned: it is pinned here, as the loop pins
                run.Pinned = false;
                pfn = run.PinnedPfn;
                pin = true;
            }
            else
            {
                if (i >= pages)
                {
                    break;
                }
                i++;
                AllocResult r = _m.AllocateOrder0(Gfp.HighUserMovable, node, PageUse.Anon);
                if (st.OomKills != kills)
                {
                    // the OOM killer chose this task inside the allocation and freed its memory, this holding too: the
                    // page it still got (ALLOC_OOM) goes with the rest at exit, and SIGKILL ends the faults
                    KilledTaskPage(r.Success ? r.Pfn : ulong.MaxValue);
                    break;
                }
                if (!r.Success)
                {
                    _metrics.MovableFailures++;
                    break;
                }
                pfn = r.Pfn;
                pin = a.PinnedFraction > 0 && st.Rng.NextDouble() < a.PinnedFraction;
            }
            if (pin)
            {
                pfn = Pin(pfn);
                if (st.OomKills != kills)
                {
                    KilledTaskPage(pfn);
                    break;
                }
                if (pfn == ulong.MaxValue)
                {
                    _metrics.MovableFailures++;
                    break;
                }
            }
            TrackAnon(h, pfn);
            h.Pfns.Add(pfn);
            st.PagesHeld++;
        }
        st.Current = null;
        if (st.OomKills == kills)
        {
            Hold(h, Until(a.Lifetime, st.Rng, phaseEnd));
        }
        SyncPageTables(st);
    }

    /// <summary>
    /// Page tables of an anon actor's memory: one PTE page maps PTRS_PER_PTE (512) pages, so each mapping process
    /// needs ceil(held / 512) of them; mirrors __pte_alloc → pte_alloc_one (GFP_PGTABLE_USER: GFP_KERNEL | __GFP_ZERO
    /// | __GFP_ACCOUNT, unmovable, order 0) on the fault that first touches a PMD range, and free_pgd_range at
    /// munmap/exit. Swapped-out pages keep their PTEs (swap entries). Upper levels (PMD/PUD pages, 1/512 of this)
    /// are left out.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few to a few hundred times a run: compiled once, optimized (no re-JIT in later runs)
    private void SyncPageTables(ActorState st)
    {
        if (st.Actor is not AnonActor a)
        {
            return;
        }
        long want = a.Mappers * ((Math.Max(0, st.PagesHeld) + PtrsPerPte - 1) / PtrsPerPte);
        // counted here rather than as the list's change: an OOM kill inside an allocation below trims the list in a
        // nested call, which reports its own removals
        long delta = 0;
        int kills = st.OomKills;
        while (st.PageTables.Count > want)
        {
            ulong pfn = st.PageTables[^1];
            st.PageTables.RemoveAt(st.PageTables.Count - 1);
            FreeIfOwned(pfn, 0, PageUse.Kernel);
            delta--;
        }
        while (st.PageTables.Count < want)
        {
            AllocResult r = _m.AllocateOrder0(Gfp.Kernel, LocalNode(a), PageUse.Kernel);
            if (st.OomKills != kills)
            {
                // the OOM killer chose this task: its exit freed its memory and page tables (a nested call)
                if (r.Success)
                {
                    FreeIfOwned(r.Pfn, 0, PageUse.Kernel);
                }
                break;
            }
            if (!r.Success)
            {
                // the fault fails with VM_FAULT_OOM; the model keeps the pages mapped and counts the failure
                _metrics.PageTableFailure();
                _metrics.KernelFailure(atomic: false);
                break;
            }
            st.PageTables.Add(r.Pfn);
            delta++;
        }
        _metrics.PageTables(delta);
    }

    /// <summary>
    /// Faults swapped-out pages back in. The actor touches its held memory uniformly at its <c>access</c> bandwidth,
    /// so in <paramref name="dt"/> a given page is touched with probability min(1, access·dt / held bytes); a touched
    /// swapped page takes a major fault: mirrors do_swap_page (swapin_readahead → a GFP_HIGHUSER_MOVABLE page, the
    /// task waits for the read, pswpin) and the slot is freed (try_to_free_swap, as when swap is over half full or
    /// the page is exclusive). Without <c>access</c> nothing is touched again.
    /// </summary>
    private void SwapIn(ActorState st, AnonActor a, double dt)
    {
        if (a.AccessBytesPerSecond <= 0 || st.PagesHeld <= 0)
        {
            return;
        }
        double p = Math.Min(1, a.AccessBytesPerSecond * dt / ((double)st.PagesHeld * (1 << PageShift)));
        double x = (st.Swapped.Count * p) + st.SwapInCarry;
        long n = (long)Math.Floor(x);
        st.SwapInCarry = x - n;
        while (n > 0 && st.Swapped.Count > 0)
        {
            int j = st.Rng.Next(st.Swapped.Count);
            (Holding h, int idx) = st.Swapped[j];
            st.Swapped[j] = st.Swapped[^1];
            st.Swapped.RemoveAt(st.Swapped.Count - 1);
            if (h.Released || h.Pfns[idx] != SwappedPfn)
            {
                continue;
            }
            n--;
            int kills = st.OomKills;
            AllocResult r = _m.AllocateOrder0(Gfp.HighUserMovable, LocalNode(a), PageUse.Anon);
            if (st.OomKills != kills)
            {
                // the OOM killer chose this task: its holdings and swap slots are gone
                KilledTaskPage(r.Success ? r.Pfn : ulong.MaxValue);
                break;
            }
            if (!r.Success)
            {
                // the fault would retry or OOM; the page stays in swap
                _metrics.MovableFailures++;
                st.Swapped.Add((h, idx));
                break;
            }
            _m.SwapUsedPages--;
            h.Pfns[idx] = r.Pfn;
            _anonOwner![r.Pfn] = (h, idx);
            _metrics.SwapIn();
        }
    }

    /// <summary>
    /// A long-term pin (FOLL_LONGTERM). Since v5.7 <c>check_and_migrate_movable_pages()</c> first migrates a page out
    /// of MIGRATE_CMA / ZONE_MOVABLE to a <c>GFP_USER</c> target (no __GFP_MOVABLE); v4.10 pins it where it is. The
    /// pinned page joins alloc_contig_range's pinned set. Returns the page's pfn, or ulong.MaxValue when no target.
    /// </summary>
    private ulong Pin(ulong pfn)
    {
        bool movableOnly = _m.PageblockType(pfn) == MigrateType.Cma || _m.Zones[_m.ZoneIndexOf(pfn)].Type is ZoneType.Movable or ZoneType.Cma;
        if (movableOnly && _m.Version >= KernelVersion.V6_1)
        {
            AllocResult t = _m.AllocateOrder0(Gfp.User, 0, PageUse.Anon);
            // the target allocation may reclaim or compact: the source page can be gone or moved by now
            if (_m.IsAllocatedHead(pfn, out int order) && order == 0 && _m.UseOf(pfn) == PageUse.Anon)
            {
                _m.Free(pfn, 0);
            }
            if (!t.Success)
            {
                return ulong.MaxValue;
            }
            pfn = t.Pfn;
        }
        _dm.Contig.Pinned.Add(pfn);
        return pfn;
    }

    // page cache: stays after use as clean cache until reclaim, drop_caches or the actor's limit evicts it
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: compiled once, optimized (no tier-0, OSR, re-JIT)
    internal void StepPageCache(ActorState st, PageCacheActor a, double dt)
    {
        long pages = Draw(st, a.Rate.Sample(st.Rng) * dt / (1 << PageShift));
        GfpFlags gfp = a.Highmem ? Gfp.HighUserMovable : Gfp.User | GfpFlags.Movable;
        // sized for the expected dirty share and a margin: growing it by doubling showed in profiles (GC, copies)
        int expectDirty = a.DirtyFraction > 0 ? (int)Math.Min((pages * a.DirtyFraction * 1.25) + 16, 1 << 20) : 0;
        var dirty = new Holding(0, PageUse.FileDirty, false, expectDirty) { CleanOnly = true };
        int node = LocalNode(a);
        var run = new CacheFaultRun(st, a.DirtyFraction, dirty);
        long i = 0;
        while (i < pages)
        {
            // the faults' common case a run at a time (Machine.AllocateOrder0Run: the pages, draws and bookkeeping of
            // the per-page steps below, in their order); the page the run stops at goes through those steps, with the
            // dirty draw the run already made for it
            i += _m.AllocateOrder0Run(gfp, node, ref run, pages - i);
            if (i >= pages)
            {
                break;
            }
            i++;
            bool isDirty;
            if (run.Drawn)
            {
                run.Drawn = false;
                isDirty = run.Dirty;
            }
            else
            {
                isDirty = a.DirtyFraction > 0 && st.Rng.NextDouble() < a.DirtyFraction;
            }
            PageUse use = isDirty ? PageUse.FileDirty : PageUse.File;
            AllocResult r = _m.AllocateOrder0(gfp, node, use);
            if (!r.Success)
            {
                _metrics.MovableFailures++;
                break;
            }
            st.Cache.Enqueue(r.Pfn);
            if (isDirty)
            {
                dirty.Pfns.Add(r.Pfn);
            }
        }
        // the lifetime is how long a page stays in use; a dirty page is written back by then
        Hold(dirty, _now + (a.Lifetime == null ? 30 : Math.Max(0, a.Lifetime.Sample(st.Rng))));
        if (a.AccessBytesPerSecond > 0 && a.LimitBytes is double files)
        {
            Reread(st, a, gfp, dt, (long)files >> PageShift);
        }
        if (a.LimitBytes is double limit)
        {
            long max = (long)limit >> PageShift;
            while (st.Cache.Count > max)
            {
                _m.FreeIfAllocatedDeferred(st.Cache.Dequeue(), PageUse.File);
            }
            _m.FlushFreeRun();
        }
    }

    /// <summary>
    /// Re-reads of the actor's files (its <c>limit</c> is the file set): <c>access</c>·dt bytes are read uniformly over
    /// the set, so the share that misses the cache is 1 - resident/set. A miss re-reads the page: mirrors
    /// filemap_fault/page_cache_ra → a new page-cache page, and workingset_refault, which activates a page whose
    /// refault distance fits the active file list (always here: the set is smaller than memory), so the active
    /// file list grows and get_scan_count stops reclaiming page cache only. The task waits for the read.
    /// </summary>
    private void Reread(ActorState st, PageCacheActor a, GfpFlags gfp, double dt, long setPages)
    {
        long resident = 0;
        foreach (ulong pfn in st.Cache)
        {
            if (_m.IsAllocatedHead(pfn, out int o) && o == 0 && _m.UseOf(pfn) is PageUse.File or PageUse.FileDirty)
            {
                resident++;
            }
        }
        double missShare = setPages <= 0 ? 0 : Math.Max(0, 1 - ((double)resident / setPages));
        double x = (a.AccessBytesPerSecond * dt / (1 << PageShift) * missShare) + st.RefaultCarry;
        // a step reads at most every page of the set that is not resident: a page it re-reads is in the cache for the
        // rest of the step, so reading the set more than once a step misses no more (an access rate of 2^64 MiB/s
        // queued ~10^17 misses a step and never ended)
        double missing = Math.Max(0, setPages - resident);
        long n;
        if (Math.Floor(x) > missing)
        {
            n = (long)missing;
            st.RefaultCarry = 0;
        }
        else
        {
            n = (long)Math.Floor(x);
            st.RefaultCarry = x - n;
        }
        for (long i = 0; i < n; i++)
        {
            AllocResult r = _m.AllocateOrder0(gfp, LocalNode(a), PageUse.File);
            if (!r.Success)
            {
                _metrics.MovableFailures++;
                break;
            }
            _m.MarkAccessed(r.Pfn);
            st.Cache.Enqueue(r.Pfn);
            _metrics.CacheMiss();
        }
    }

    // slab: GFP_KERNEL (unmovable) or GFP_KERNEL|__GFP_RECLAIMABLE, orders 0-3 by weight
    internal void StepSlab(ActorState st, SlabActor a, double dt, double phaseEnd)
    {
        long n = Draw(st, a.Rate.Sample(st.Rng) * dt);
        GfpFlags gfp = a.Reclaimable ? Gfp.Kernel | GfpFlags.Reclaimable : Gfp.Kernel;
        PageUse use = a.Reclaimable ? PageUse.SlabReclaimable : PageUse.Kernel;
        double total = a.OrderWeights.Sum();
        var byOrder = new Holding?[4];
        double until = Until(a.Lifetime, st.Rng, phaseEnd);
        for (long i = 0; i < n; i++)
        {
            int order = PickOrder(st.Rng, a.OrderWeights, total);
            if (Room(st, a.LimitBytes, 1L << order) < 1L << order)
            {
                break;
            }
            AllocResult r = _m.Allocate(order, gfp, LocalNode(a), use);
            if (!r.Success)
            {
                _metrics.KernelFailure(atomic: false);
                break;
            }
            (byOrder[order] ??= new Holding(order, use, false) { Owner = st, Actor = a }).Pfns.Add(r.Pfn);
            st.PagesHeld += 1L << order;
        }
        foreach (Holding? h in byOrder)
        {
            if (h != null)
            {
                Hold(h, until);
            }
        }
    }

    private static int PickOrder(Random rng, IReadOnlyList<double> weights, double total)
    {
        double x = rng.NextDouble() * total;
        for (int o = 0; o < weights.Count; o++)
        {
            x -= weights[o];
            if (x < 0)
            {
                return o;
            }
        }
        return weights.Count - 1;
    }

    // network bursts: GFP_ATOMIC, no reclaim, may dip into reserves
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few to a few hundred times a run: compiled once, optimized (no re-JIT in later runs)
    internal void StepAtomic(ActorState st, AtomicActor a, double tickEnd, double phaseEnd)
    {
        while (!double.IsNaN(st.NextFire) && st.NextFire < tickEnd)
        {
            long n = (long)Math.Round(a.Burst.Sample(st.Rng));
            var h = new Holding(a.Order, PageUse.Kernel, true) { Actor = a };
            for (long i = 0; i < n; i++)
            {
                AllocResult r = _m.Allocate(a.Order, Gfp.Atomic, LocalNode(a), PageUse.Kernel);
                if (!r.Success)
                {
                    _metrics.KernelFailure(atomic: true);
                    continue;
                }
                h.Pfns.Add(r.Pfn);
            }
            Hold(h, Math.Min(phaseEnd, _now + Math.Max(0, a.Lifetime.Sample(st.Rng))));
            st.NextFire += Math.Max(1e-3, a.Interval.Sample(st.Rng));
        }
    }

    // THP faults: order 9 GFP_TRANSHUGE_LIGHT (no direct reclaim); a failed fault would fall back to small pages
    internal void StepThp(ActorState st, ThpActor a, double dt, double phaseEnd)
    {
        long n = Draw(st, a.Rate.Sample(st.Rng) * dt);
        // the THPs are the task's rss (Owner): the OOM killer may choose it, though its own faults never reclaim
        var h = new Holding(Pageblock.Order, PageUse.Anon, false) { Owner = st, Actor = a };
        for (long i = 0; i < n; i++)
        {
            _metrics.ThpAttempts++;
            AllocResult r = _m.Allocate(Pageblock.Order, Gfp.TransHugeLight, LocalNode(a), PageUse.Anon);
            if (r.Success)
            {
                _metrics.ThpSuccesses++;
                h.Pfns.Add(r.Pfn);
                st.PagesHeld += 1L << Pageblock.Order;
            }
        }
        Hold(h, Until(a.Lifetime, st.Rng, phaseEnd));
    }

    // a device: count × cma_alloc(size) per request, one-shot or periodic, latency from ContigCostModel
    internal void StepCma(ActorState st, CmaActor a, double tickEnd, double phaseEnd)
    {
        while (!double.IsNaN(st.NextFire) && st.NextFire < tickEnd)
        {
            CmaAllocator? area = _dm.Area(a.Area) ?? _dm.Area();
            ulong pages = ((ulong)a.SizeBytes + (1UL << PageShift) - 1) >> PageShift;
            int align = Math.Min(CmaAlignmentMax, (int)Math.Ceiling(Math.Log2(pages)));
            double elapsedMs = 0;
            for (int i = 0; i < a.Count; i++)
            {
                if (area == null)
                {
                    _metrics.DeviceResult(false, "NoArea", 0, missed: false, pages, 0);
                    continue;
                }
                double util = _metrics.CmaUtilisation();
                CmaAllocResult r = area.Allocate(pages, align, noWarn: true);
                // the scenario's cost model (machine.contig_costs), not the allocator's default one
                double ms = _scenario.Machine.ContigCosts.Microseconds(r.Work) / 1000;
                elapsedMs += ms;
                bool missed = a.DeadlineSeconds is double d && elapsedMs > d * 1000;
                _metrics.DeviceResult(r.Success, r.Failure.ToString(), ms, missed, r.Count, util);
                _metrics.AddWork(r.Work);
                if (r.Success)
                {
                    var c = new ContigHolding(area, r.Pfn, r.Count) { Actor = a };
                    _deviceHeld.Add(c);
                    _contigExpiry.Enqueue(c, (Until(a.Hold, st.Rng, phaseEnd), _seq++));
                }
            }
            st.NextFire = a.PeriodSeconds is double p ? st.NextFire + p : double.NaN;
        }
    }

    // gigantic pages: alloc_contig_pages() over the zonelist up to ZONE_MOVABLE (hugepages_treat_as_movable style)
    internal void StepGigantic(ActorState st, GiganticActor a, double phaseEnd)
    {
        if (double.IsNaN(st.NextFire))
        {
            return;
        }
        st.NextFire = double.NaN;
        ulong pages = (ulong)a.SizeBytes >> PageShift;
        for (int i = 0; i < a.Count; i++)
        {
            _metrics.GiganticAttempts++;
            ulong? pfn = _dm.Contig.AllocContigPages(pages, 0, ZoneType.Movable, out ContigWork work);
            if (pfn is ulong p)
            {
                _metrics.GiganticSuccesses++;
                _contigExpiry.Enqueue(new ContigHolding(null, p, pages) { Actor = a }, (Until(a.Hold, st.Rng, phaseEnd), _seq++));
            }
        }
    }

    // echo MODE > /proc/sys/vm/drop_caches: 1 drops clean page cache, 2 frees reclaimable slab
    internal void StepDropCaches(ActorState st, DropCachesActor a)
    {
        if (double.IsNaN(st.NextFire))
        {
            return;
        }
        st.NextFire = double.NaN;
        if ((a.Mode & 1) != 0)
        {
            foreach (ActorState pc in _cacheActors)
            {
                int n = pc.Cache.Count;
                for (int i = 0; i < n; i++)
                {
                    ulong pfn = pc.Cache.Dequeue();
                    if (_m.IsAllocatedHead(pfn, out int o) && o == 0)
                    {
                        PageUse use = _m.UseOf(pfn);
                        if (use == PageUse.File)
                        {
                            _m.Free(pfn, 0);
                            continue;
                        }
                        if (use == PageUse.FileDirty)
                        {
                            pc.Cache.Enqueue(pfn);
                        }
                    }
                }
            }
        }
        if ((a.Mode & 2) != 0)
        {
            foreach ((Holding h, _) in _expiry.UnorderedItems)
            {
                if (h.Use == PageUse.SlabReclaimable)
                {
                    Release(h);
                }
            }
        }
    }

    /// <summary>
    /// Memory offlining: <c>echo offline &gt; memoryN/state</c> for listed blocks, or for the N highest-numbered online
    /// blocks of ZONE_MOVABLE, through the hotplug model (mirrors offline_pages(): isolation with MEMORY_OFFLINE
    /// rules, migration passes, accounting). The time is the contiguous-allocation cost model's: one attempt, the
    /// block's pageblocks isolated, the pages migrated.
    /// </summary>
    internal void StepOffline(ActorState st, OfflineActor a)
    {
        if (double.IsNaN(st.NextFire))
        {
            return;
        }
        st.NextFire = double.NaN;
        MemoryHotplug hp = Hotplug();
        List<ulong> targets = Targets(a.Blocks, a.BlockCount, hp.Blocks.Reverse(), b => b.State == BlockState.Online && b.Zone?.Type == ZoneType.Movable);
        // alloc_contig_range's and the offline path's pinned pages are the same FOLL_LONGTERM pins
        hp.Pinned.Clear();
        hp.Pinned.UnionWith(_dm.Contig.Pinned);
        foreach (ulong index in targets)
        {
            HotplugBlock? blk = hp.Block(index);
            string zone = blk?.Zone?.Type.ToString() ?? "none";
            HotplugResult r = hp.Offline(index);
            var work = new ContigWork { Attempts = 1, Migrated = r.Migrated, PageblocksIsolated = blk == null ? 0 : (long)(blk.Pages / Pageblock.NrPages) };
            double ms = _scenario.Machine.ContigCosts.Microseconds(work) / 1000;
            _metrics.Offline(a.Name, _now, (long)index, zone, r.Errno, r.Reason, r.Migrated, ms);
        }
    }

    /// <summary>
    /// Memory onlining: <c>echo online_movable|online_kernel &gt; memoryN/state</c> through the hotplug model
    /// (mirrors online_pages(): zone from zone_for_pfn_range, span, present/managed, watermarks, zonelists).
    /// </summary>
    internal void StepOnline(ActorState st, OnlineActor a)
    {
        if (double.IsNaN(st.NextFire))
        {
            return;
        }
        st.NextFire = double.NaN;
        MemoryHotplug hp = Hotplug();
        List<ulong> targets = Targets(a.Blocks, a.BlockCount, hp.Blocks, b => b.State == BlockState.Offline);
        foreach (ulong index in targets)
        {
            HotplugResult r = hp.Online(index, a.Movable ? OnlineType.OnlineMovable : OnlineType.OnlineKernel);
            _metrics.Online(r.Success);
        }
    }

    // the blocks a hotplug step acts on: those the scenario lists, else the first `count` candidates that qualify
    private static List<ulong> Targets(IReadOnlyList<int> listed, int count, IEnumerable<HotplugBlock> candidates, Func<HotplugBlock, bool> qualifies)
    {
        var targets = new List<ulong>();
        if (listed.Count > 0)
        {
            foreach (int b in listed)
            {
                targets.Add((ulong)b);
            }
            return targets;
        }
        foreach (HotplugBlock b in candidates)
        {
            if (targets.Count < count && qualifies(b))
            {
                targets.Add(b.Index);
            }
        }
        return targets;
    }
}
