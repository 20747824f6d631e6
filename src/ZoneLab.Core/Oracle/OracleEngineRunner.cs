using System.Globalization;
using System.Text;
using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Designs;
using ZoneLab.Hotplug;
using ZoneLab.Layout;
using ZoneLab.Procfs;
using ZoneLab.Reclaim;

namespace ZoneLab.Oracle;

/// <summary>
/// Runs a workload in the engine from a recording's starting point: the machine booted from the guest's boot log
/// (x86_64) or QEMU virt parameters (arm64) with the managed counts of its first /proc/zoneinfo, the memory the
/// kernel already used at that point allocated again, then every step mapped onto the engine's calls
/// (docs/oracle.md, "In the engine"). The result has the same shape as the recording: a snapshot after every step.
/// </summary>
public sealed partial class OracleEngineRunner : IDisposable
{
    private const int PageShift = 12;
    private const ulong Swapped = ulong.MaxValue;

    // the console write of a snapshot (ConsoleWriteBlocks): kswapd's slices while the helper sleeps on it, and a bound
    // the engine's runs never reach (they end within 17 ms in every recorded workload)
    private const double ConsoleWaitStepNs = 1_000_000, MaxConsoleWaitNs = 100_000_000;

    private readonly OracleWorkload _w;
    private readonly OracleRecording _rec;
    private readonly DesignMachine _dm;
    private readonly Machine _m;
    private readonly ReclaimModel _reclaim;
    private readonly SingleCpuScheduler _cpu;
    private readonly int[] _tag;        // per pfn index: owning holding id + 1 (0: none)
    private readonly int[] _tagIndex;   // per pfn index: the page's index in the holding's Pages
    private readonly List<Holding> _byId = [];

    // the swap-cache page behind an owner's swap entry (holding id, page index) while reclaim has not freed it, and back
    private readonly Dictionary<(int Id, int K), ulong> _swapCache = [];
    private readonly Dictionary<ulong, (int Id, int K)> _swapCacheAt = [];
    private bool _freeSwapCache;   // --swap-cache: the owner's unmap frees the swap-cache page behind its entry
    private readonly Dictionary<string, Holding> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SlabCache> _caches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int ObjPerSlab, int Order, int ObjSize)> _slabinfo;
    private readonly Holding _kernel;   // the boot residue, page tables, slab, huge page pools
    private readonly List<(ulong Pfn, int Order)> _hugepages = [];
    private readonly List<(ulong Pfn, ulong Pages, CmaAllocator? Area)> _gigantic = [];
    private readonly Queue<ulong> _dirty = new();
    private readonly DirtyThrottle? _wb;   // --dirty-throttle: balance_dirty_pages and background writeback in engine time
    private MemoryHotplug? _hotplug;
    private int _nextNid, _nextGiganticNid;
    private long _thpAlloc, _thpFallback;
    private readonly long[] _extfragSeen = new long[8 * 8 * 2];
    private long _kswapdSeen;

    /// <summary>
    /// Every order-9 hugetlb pool allocation of the nr_hugepages steps: the node, whether it was made with
    /// __GFP_RETRY_MAYFAIL (alloc_buddy_huge_page's alloc_try_hard) and whether it succeeded (tests read it).
    /// </summary>
    internal List<(int Node, bool TryHard, bool Success)> HugetlbAttempts { get; } = [];

    /// <summary>The engine's snapshots: 0 before the first step, i after step i (same shape as the recording's).</summary>
    public List<ProcSnapshot> Snapshots { get; } = [];

    /// <summary>Per step: rc (0 or an errno) and the extra results (readback, block).</summary>
    public List<(int Rc, Dictionary<string, string> Extra)> Steps { get; } = [];

    private OracleEngineRunner(OracleWorkload w, OracleRecording rec, bool perCpuLists, bool dirtyThrottle = false, ReclaimCostModel? reclaimCosts = null)
    {
        _w = w;
        _rec = rec;
        BootLayout layout = Boot(rec);
        OracleMachine om = w.Machine(rec.Arch);
        _diskBytes = om.DiskBytes;
        // Debian's 6.1 kernels (both architectures) are built with CONFIG_DEFERRED_STRUCT_PAGE_INIT=y
        // ("node 0 deferred pages initialised" in every recorded boot log)
        // and, when asked, the per-cpu lists of the guest's CPUs (OracleEngineRunner.Pcp.cs)
        _dm = new MigrateCmaDesign { DeferredStructPageInit = true, PerCpuLists = perCpuLists, Cpus = GuestCpus(rec) }.Build(layout, KernelVersion.V6_1, new VmSysctls(), debugChecks: false, swapPages: (long)(om.SwapBytes >> PageShift));
        _m = _dm.Machine;
        BootWatermarksAsTheGuest(rec);
        _reclaim = new ReclaimModel(_m, reclaimCosts);
        // kswapd as the kernel thread it is, sharing the guest's one vCPU with the workload (SingleCpuScheduler)
        _cpu = new SingleCpuScheduler(_reclaim);
        _wb = dirtyThrottle ? new DirtyThrottle(_m, _reclaim.CostModel.WritebackNs) : null;
        _reclaim.SwappedOut = OnSwappedOut;
        _reclaim.SwapCacheFreed = OnSwapCacheFreed;
        _reclaim.FileDropped = OnFileDropped;
        _dm.Contig.FileDropped = OnFileDropped;
        _reclaim.BufferHeld = _dm.Contig.BufferHeld;
        _m.PageMigrated = OnMigrated;
        _tag = new int[_m.PfnCount];
        _tagIndex = new int[_m.PfnCount];
        _slabinfo = SlabCache.ReadSlabinfo(InputFiles.ReadAllText(rec.PathOf("step0.slabinfo.txt")), rec.PathOf("step0.slabinfo.txt"));
        _kernel = NewHolding("(kernel)");
    }

    /// <summary>
    /// Runs <paramref name="w"/> in the engine from the start of <paramref name="rec"/> with the opt-in kernel mechanisms
    /// of <paramref name="mechanisms"/> (none: the published table's engine); <paramref name="start"/>, the guest's page
    /// state at step 0 (--start-state), replaces re-creating the used memory.
    /// </summary>
    public static OracleEngineRunner Run(OracleWorkload w, OracleRecording rec, OracleMechanisms? mechanisms = null, GuestStartState? start = null)
    {
        OracleMechanisms o = mechanisms ?? OracleMechanisms.Published;
        var r = new OracleEngineRunner(w, rec, o.PerCpuLists, o.DirtyThrottle) { _recordAllocs = File.Exists(rec.PathOf("step1.allocs.txt")), _guestClock = o.GuestClock, _ext4JournalHeld = o.Ext4Journal, _freeSwapCache = o.SwapCache };
        r._reclaim.BoostedReclaimLoop = o.BoostLoop;
        r._reclaim.SwapWritesCompleteIsolated = o.SwapCache;
        r._reclaim.ShrinkSlabPages = !o.PinnedResidueSlab;
        r._reclaim.EndOnNoProgress = !o.PinnedResidueSlab;
        return RunSteps(r, start);
    }

    /// <summary>
    /// Runs <paramref name="w"/> as <see cref="Run(OracleWorkload, OracleRecording, OracleMechanisms?, GuestStartState?)"/>
    /// does, with reclaim costs other than the published ones (tests give a deferred split its time).
    /// </summary>
    internal static OracleEngineRunner Run(OracleWorkload w, OracleRecording rec, ReclaimCostModel reclaimCosts)
        => RunSteps(new OracleEngineRunner(w, rec, perCpuLists: false, reclaimCosts: reclaimCosts) { _recordAllocs = File.Exists(rec.PathOf("step1.allocs.txt")) }, start: null);

    private static OracleEngineRunner RunSteps(OracleEngineRunner r, GuestStartState? start)
    {
        if (start != null)
        {
            r.SeedFromPageState(start);
        }
        else
        {
            r.AllocateResidue();
        }

        r.Snapshot();
        r.GuestTraceRead(0);
        r.ReleaseStartPcpPages();
        foreach (OracleStep s in r._w.Steps)
        {
            Dictionary<string, string> extra = new(StringComparer.Ordinal);
            r.GuestStepStart(s);
            int rc = r.Step(s, extra);
            r.GuestStepEnd();
            r.Steps.Add((rc, extra));
            r.Snapshot();
            r.GuestTraceRead(r.Steps.Count);
        }
        return r;
    }

    /// <summary>The engine booted from <paramref name="rec"/>, before the residue and the steps (tests read its machine).</summary>
    internal static OracleEngineRunner BootOnly(OracleWorkload w, OracleRecording rec) => new(w, rec, perCpuLists: false);

    /// <summary>The engine's machine.</summary>
    internal Machine Machine => _m;

    /// <inheritdoc/>
    public void Dispose()
    {
        _hotplug = null;
        _dm.Dispose();
    }

    // The machine was booted with the guest's final managed counts, but the guest computed its watermarks (and so its
    // per-cpu high, kswapd's targets and lowmem_reserve) at its initcalls, before it freed the initrd and its init
    // sections (BootWatermarkReplay): redo that computation with the counts it saw, as `zonelab watermarks` does.
    private void BootWatermarksAsTheGuest(OracleRecording rec)
    {
        string zoneinfo = rec.PathOf("step0.zoneinfo.txt");
        IReadOnlyList<ZoneinfoZone> zones = ZoneinfoReader.Parse(InputFiles.ReadAllText(zoneinfo), zoneinfo);
        ulong[] late = new BootWatermarkReplay().LateFreedPages(zones, DmesgLateFrees.Parse(InputFiles.ReadAllText(rec.PathOf("dmesg.txt"))));
        IReadOnlyList<ZoneWatermarks> machineZones = _m.WatermarkCalculator.Zones;
        var notYetManaged = new ulong[machineZones.Count];
        for (int i = 0; i < zones.Count; i++)
        {
            if (late[i] != 0)
            {
                int zi = zones[i].Node * _m.WatermarkCalculator.MaxNrZones + (int)zones[i].Type;
                if (zi >= notYetManaged.Length)
                {
                    throw new ZoneLabInputException(zoneinfo, $"node {zones[i].Node} zone {ZoneTypes.Name(zones[i].Type)} is not in the boot log's layout");
                }

                notYetManaged[zi] = late[i];
            }
        }

        _m.WatermarkCalculator.RebootWithLateFrees(notYetManaged);
    }

    private static BootLayout Boot(OracleRecording rec)
    {
        string zoneinfo = rec.PathOf("step0.zoneinfo.txt");
        if (rec.Arch == "arm64")
        {
            ulong mem = KernelNumber.ParseSize(rec.Info.GetValueOrDefault("mem", "?"), rec.PathOf("run-info.txt") + " mem");
            string numa = rec.Info.GetValueOrDefault("numa", "none");
            List<ulong>? nodes = numa == "none" ? null : [.. numa.Split(',').Select(x => KernelNumber.ParseSize(x, rec.PathOf("run-info.txt") + " numa"))];
            string cmdline = InputFiles.ReadAllText(rec.PathOf("cmdline.txt")).Trim();
            if (cmdline.Contains('\n', StringComparison.Ordinal))
            {
                // the guest's /proc/cmdline: one line; a second is a damaged copy, not more kernel arguments
                throw new ZoneLabInputException(rec.PathOf("cmdline.txt"), 2, "expected the kernel command line on one line");
            }
            return new LayoutBuilder().ForArm64(mem, nodes, null).WithCommandLine(cmdline).WithZoneinfo(zoneinfo, zoneinfo).Build();
        }
        // errors name the whole path: `oracle compare --all` reads a hundred folders of files with these names
        return new LayoutBuilder().FromDmesg(rec.PathOf("dmesg.txt"), rec.PathOf("dmesg.txt")).WithZoneinfo(zoneinfo, zoneinfo).Build();
    }

    private sealed class Holding(int id, string name)
    {
        public int Id { get; } = id;

        public string Name { get; } = name;

        public List<ulong> Pages { get; } = [];           // order-0 LRU pages (Swapped when in swap)

        public List<(ulong Pfn, int Order, PageUse Use)> Blocks { get; } = [];  // non-LRU blocks and THPs

        public List<ulong> PageTables { get; } = [];

        public List<(SlabCache Cache, List<(int Slab, int Count)> Runs)> SlabObjects { get; } = [];

        public List<int> BufferHeadSlab { get; } = [];   // per page index: its buffer_head's slab (-1: none)

        public List<int> XaNodeSlab { get; } = [];       // per 64-page chunk of the file: its xa_node's slab (-1: freed)

        public PageUse Use { get; set; } = PageUse.Anon;

        public bool OnDisk { get; set; }

        public ulong FileBytes { get; set; }

        public int Block { get; set; } = -1;
    }

    private Holding NewHolding(string name)
    {
        var h = new Holding(_byId.Count + 1, name);
        _byId.Add(h);
        return h;
    }

    private int Ix(ulong pfn) => (int)(pfn - _m.BasePfn);

    private void TagPage(Holding h, ulong pfn)
    {
        _tag[Ix(pfn)] = h.Id;
        _tagIndex[Ix(pfn)] = h.Pages.Count;
        h.Pages.Add(pfn);
    }

    private bool OwnsPage(Holding h, int k) =>
        h.Pages[k] is ulong pfn && pfn != Swapped && _tag[Ix(pfn)] == h.Id && _tagIndex[Ix(pfn)] == k && _m.IsAllocatedHead(pfn, out int o) && o == 0;

    private void OnMigrated(ulong from, ulong to)
    {
        OnQueuedThpMigrated(from, to);
        if (_swapCacheAt.Remove(from, out (int Id, int K) key))
        {
            _swapCacheAt[to] = key; // a swap-cache folio migrates as it is (migrate_folio moves its xarray slot)
            _swapCache[key] = to;
        }
        if (_dm.Contig.BufferHeld.Remove(from))
        {
            _dm.Contig.BufferHeld.Add(to); // compaction moved a journaled block's page (its b_count is not modelled there)
        }
        if (_wb != null && _m.UseOf(to) == PageUse.FileDirty)
        {
            _wb.Dirtied(to); // a dirty page moved as it is (buffer_migrate_folio): its writeback is still to come
        }
        int id = _tag[Ix(from)], k = _tagIndex[Ix(from)];
        _tag[Ix(from)] = 0;
        _tag[Ix(to)] = id;
        _tagIndex[Ix(to)] = k;
        if (id > 0 && k < _byId[id - 1].Pages.Count && _byId[id - 1].Pages[k] == from)
        {
            _byId[id - 1].Pages[k] = to;
            return;
        }
        // a THP (or another tracked block) moved whole: alloc_contig_range and offlining migrate a THP as one folio
        if (id > 0 && _byId[id - 1].Blocks.FindIndex(b => b.Pfn == from) is int bi && bi >= 0)
        {
            (ulong _, int order, PageUse use) = _byId[id - 1].Blocks[bi];
            _byId[id - 1].Blocks[bi] = (to, order, use);
        }
    }

    // reclaim is about to swap the page out: its owner now holds a swap entry (try_to_unmap_one), and the page stays in
    // the swap cache until reclaim frees it (OnSwapCacheFreed) or the owner frees the entry (ReleasePage)
    private void OnSwappedOut(ulong pfn, long pages)
    {
        int id = _tag[Ix(pfn)], k = _tagIndex[Ix(pfn)];
        _tag[Ix(pfn)] = 0;
        if (pages == 1 && id > 0 && k < _byId[id - 1].Pages.Count && _byId[id - 1].Pages[k] == pfn)
        {
            _byId[id - 1].Pages[k] = Swapped;
            _swapCache[(id, k)] = pfn;
            _swapCacheAt[pfn] = (id, k);
            return;
        }
        _m.SwapUsedPages -= pages; // not ours to track: release the slot rather than leak it
    }

    // reclaim freed a swap-cache page (__remove_mapping): the owner's swap entry no longer has a page behind it
    private void OnSwapCacheFreed(ulong pfn)
    {
        if (_swapCacheAt.Remove(pfn, out (int Id, int K) key))
        {
            _swapCache.Remove(key);
        }
    }

    private bool TrackBlock(Holding h, ulong pfn, int order, PageUse use)
    {
        _tag[Ix(pfn)] = h.Id;
        h.Blocks.Add((pfn, order, use));
        return true;
    }

    private void FreeBlockIfOwned(Holding h, ulong pfn, int order, PageUse use)
    {
        if (_tag[Ix(pfn)] == h.Id && _m.IsAllocatedHead(pfn, out int o) && o == order && _m.UseOf(pfn) == use)
        {
            _tag[Ix(pfn)] = 0;
            _m.Free(pfn, order);
        }
    }

    // The console write between the pagetypeinfo and vmstat reads of a snapshot. A write(2) to the serial console
    // that fills the tty's transmit buffer (uart_write: a UART_XMIT_SIZE = PAGE_SIZE circular buffer, drained by the
    // UART's interrupts) puts the helper to sleep until it drains, and a kswapd woken during the step has the CPU
    // meanwhile. The engine lets that kswapd finish its balance_pgdat run (and wake kcompactd, as
    // kswapd_try_to_sleep does) before vmstat is read: the engine's runs at the recorded step ends take 1-17 ms of
    // its kswapd cost model; MaxConsoleWaitNs only bounds a run that never ends. The recordings show the same
    // order: nr_free_pages in vmstat is above buddyinfo's sum in 29 snapshots (anon-swap step 2 by 180-560 pages,
    // kswapd-sleep x86_64 run2 step 4 by 582), and zoneinfo's, read after vmstat's own 5-7 KiB were written, is
    // higher again. docs/fidelity.md, Round 13 (fidkc).
    private void ConsoleWriteBlocks()
    {
        for (double waited = 0; waited < MaxConsoleWaitNs && _reclaim.KswapdRunning(); waited += ConsoleWaitStepNs)
        {
            _cpu.TaskSleeps(ConsoleWaitStepNs);
        }

        _wb?.Complete(_cpu.Now);
    }

    private void Snapshot()
    {
        _wb?.Complete(_cpu.Now);
        // zlguest's snapshot() prints one section at a time, and section() flushes stdout (fflush) before it reads
        // the next file: buddyinfo and pagetypeinfo are read first, then pagetypeinfo's text (2-4 KiB, with
        // buddyinfo's) goes to the serial console before /proc/vmstat is read
        string buddyinfo = BuddyinfoWriter.Write(_m), pagetypeinfo = PagetypeinfoWriter.Write(_m);
        ConsoleWriteBlocks();
        long cmaOk = 0, cmaFail = 0;
        foreach (CmaAllocator a in _dm.Areas)
        {
            cmaOk += a.AllocSuccess;
            cmaFail += a.AllocFail;
        }
        var vm = new StringBuilder(VmstatWriter.Write(_m, new Dictionary<string, long>(StringComparer.Ordinal) { ["cma_alloc_success"] = cmaOk, ["cma_alloc_fail"] = cmaFail }));
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        vm.Append($"thp_fault_alloc {I(_thpAlloc)}\nthp_fault_fallback {I(_thpFallback)}\n");
        vm.Append($"thp_split_page {I(ThpSplitPages)}\nthp_deferred_split_page {I(ThpDeferredSplitPages)}\n");
        if (_freeSwapCache)
        {
            // NR_SWAPCACHE: the written anonymous pages still in the swap cache (not yet freed by reclaim or the unmap)
            vm.Append($"nr_swapcached {I(_swapCacheAt.Count)}\n");
        }
        if (_wb != null)
        {
            // vmstat's dirty thresholds (global_dirty_limits, the same domain_dirty_limits as DirtyThrottle)
            (long thresh, long bg) = _wb.Limits();
            vm.Append($"nr_dirty_threshold {I(thresh)}\nnr_dirty_background_threshold {I(bg)}\nnr_written {I(_wb.Written)}\n");
        }
        var trace = new StringBuilder();
        long total = 0;
        foreach (MigrateType a in new[] { MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable })
        {
            for (int f = 0; f < 6; f++)
            {
                for (int c = 0; c < 2; c++)
                {
                    long n = _m.ExtfragEvents(a, (MigrateType)f, c == 1);
                    int slot = (((int)a * 8) + f) * 2 + c;
                    long d = n - _extfragSeen[slot];
                    _extfragSeen[slot] = n;
                    if (d > 0)
                    {
                        trace.Append($"extfrag alloc={(int)a} fallback={f} claim={c} {I(d)}\n");
                        total += d;
                    }
                }
            }
        }
        if (total > 0)
        {
            trace.Append($"mm_page_alloc_extfrag {I(total)}\n");
        }
        // trace_mm_vmscan_kswapd_wake fires in kswapd() before every balance_pgdat, also when kswapd_try_to_sleep
        // found the node still unbalanced and did not sleep: the count of balance_pgdat runs, pageoutrun
        long wakes = _m.Event(VmEvent.Pageoutrun);
        if (wakes > _kswapdSeen)
        {
            trace.Append($"mm_vmscan_kswapd_wake {I(wakes - _kswapdSeen)}\n");
        }
        _kswapdSeen = wakes;
        SnapshotPcp();
        Snapshots.Add(ProcSnapshot.Parse(buddyinfo, pagetypeinfo, vm.ToString(), trace.ToString(), "engine"));
    }
}
