using System.Globalization;
using ZoneLab.Allocator;
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

    // The writer's own CPU time per huge page nr_hugepages allocates from free memory: post_alloc_hook clears all
    // 512 pages (want_init_on_alloc: Debian sets CONFIG_INIT_ON_ALLOC_DEFAULT_ON) and prep_compound_page sets up the
    // tails. The guest measured a free pageblock taken by cma_alloc (the same clearing and compound setup) at 28.79
    // small-page migrations (docs/fidelity.md, "Costs measured in the guest"); with the model's 2 µs a migration
    // (CompactionCostModel.MigrateNs), 57.6 µs.
    private const double HugePageAllocNs = 28.79 * 2_000;

    /// <summary>
    /// The memory the kernel had in use when the first snapshot was taken (kernel image data, slab, page tables,
    /// the trace ring buffer, the unpacked initramfs): per zone, managed − free of the first /proc/zoneinfo,
    /// allocated in the zone (lowest zone first) as unmovable, reclaimable (SReclaimable) and movable (Cached +
    /// AnonPages) pages in the proportions of the first /proc/meminfo, unmovable first as at boot.
    /// </summary>
    // the zone modifiers that keep a residue allocation in zone type t (gfp_zone's inverse for the zones here)
    private static GfpFlags ZoneGfp(ZoneType t) => t switch
    {
        ZoneType.Dma => GfpFlags.Dma,
        ZoneType.Dma32 => GfpFlags.Dma32,
        ZoneType.Movable => GfpFlags.Highmem | GfpFlags.Movable,
        _ => GfpFlags.None,
    };

    // the residue's movable pages (page cache and anonymous memory) in zone type t
    private static GfpFlags ResidueMovableGfp(ZoneType t) => Gfp.HighUserMovable & ~GfpFlags.Highmem | ZoneGfp(t);

    private void AllocateResidue()
    {
        IReadOnlyList<ZoneinfoZone> zi = ZoneinfoReader.ParseFile(_rec.PathOf("step0.zoneinfo.txt"), _rec.PathOf("step0.zoneinfo.txt"));
        // the kernel's own file, read as /proc/meminfo is everywhere (each field once, unsigned): a missing field is
        // a damaged copy, not 0 kB
        MeminfoFile mi = MeminfoReader.Read(_rec.PathOf("step0.meminfo.txt"), _rec.PathOf("step0.meminfo.txt"));
        long Kb(string name) => mi.Kb(name) ?? throw new ZoneLabInputException(mi.Source, $"no '{name}:' line; expected a whole /proc/meminfo");
        long movableKb = Kb("Cached") + Kb("AnonPages");
        long reclaimKb = Kb("SReclaimable");
        long usedKb = Kb("MemTotal") - Kb("MemFree");
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
            GfpFlags zoneGfp = ZoneGfp(z.Type);
            bool movableOnly = z.Type == ZoneType.Movable;
            long unmov = movableOnly ? 0 : (long)(used * (1 - movShare - recShare));
            long rec = movableOnly ? 0 : (long)(used * recShare);
            Fill(z, unmov, Gfp.Kernel | zoneGfp, PageUse.Kernel);
            Fill(z, rec, Gfp.Kernel | GfpFlags.Reclaimable | zoneGfp, PageUse.SlabReclaimable);
            Fill(z, z.NrFreePages - (long)real.Free, ResidueMovableGfp(z.Type), PageUse.Anon);
        }
        MakeStartHoles(zi);
        SeedPcp(zi);
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
        GiganticStep g => Gigantic(g.Count, OracleWorkloadChecks.GiganticBytes(_rec.Arch, g), extra),
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
}
