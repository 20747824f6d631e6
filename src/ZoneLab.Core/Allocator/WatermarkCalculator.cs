using ZoneLab.Layout;

namespace ZoneLab.Allocator;

/// <summary>
/// Computes <c>min_free_kbytes</c>, the per-zone watermarks and <c>lowmem_reserve</c> exactly as the kernel does from
/// managed page counts (mm/page_alloc.c, mm/khugepaged.c). Holds the machine-wide state these functions share
/// (<c>min_free_kbytes</c>, whether khugepaged runs) so the call sequence of a boot or a sysctl write can be replayed.
/// </summary>
/// <remarks>
/// The zone list is node-major and complete: node n's zone of type t is at <c>n * MaxNrZones + t</c>
/// (the kernel's <c>pgdat-&gt;node_zones[]</c>, empty zones included, because <c>for_each_zone</c> visits them too).
/// </remarks>
public sealed class WatermarkCalculator
{
    /// <summary><c>SWAP_CLUSTER_MAX</c>: floor of the highmem/movable min watermark.</summary>
    public const ulong SwapClusterMax = 32;

    private readonly IReadOnlyList<ZoneWatermarks> _zones;

    /// <summary>Creates a calculator over the machine's zones.</summary>
    public WatermarkCalculator(IReadOnlyList<ZoneWatermarks> zones, int maxNrZones, KernelVersion version, VmSysctls sysctls)
    {
        if (maxNrZones < 3 || maxNrZones > VmSysctls.MaxZoneTypes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNrZones));
        }

        if (zones.Count == 0 || zones.Count % maxNrZones != 0)
        {
            throw new ArgumentException("zone list must hold MaxNrZones zones per node", nameof(zones));
        }

        for (int i = 0; i < zones.Count; i++)
        {
            if ((int)zones[i].Type != i % maxNrZones || zones[i].Node != zones[i - (i % maxNrZones)].Node)
            {
                throw new ArgumentException($"zone {i} is {zones[i]}; expected node-major order with every zone type", nameof(zones));
            }
        }

        _zones = zones;
        MaxNrZones = maxNrZones;
        Version = version;
        Sysctls = sysctls;
    }

    /// <summary><c>MAX_NR_ZONES</c> of the modelled kernel config (5 on Debian x86-64, 4 on Debian arm64).</summary>
    public int MaxNrZones { get; }

    /// <summary>Kernel behaviour generation.</summary>
    public KernelVersion Version { get; }

    /// <summary>The sysctls read by these computations.</summary>
    public VmSysctls Sysctls { get; }

    /// <summary>Current <c>min_free_kbytes</c> (0 until computed; the kernel's static initialiser is 1024 but is overwritten at postcore).</summary>
    public int MinFreeKbytes { get; private set; }

    /// <summary>True once khugepaged has been started (<c>khugepaged_thread</c> non-NULL).</summary>
    public bool KhugepagedRunning { get; private set; }

    /// <summary><c>totalreserve_pages</c> as last computed by <c>calculate_totalreserve_pages</c>.</summary>
    public ulong TotalReservePages { get; private set; }

    /// <summary>The zones, node-major.</summary>
    public IReadOnlyList<ZoneWatermarks> Zones => _zones;

    // GFP_USER's highest zone (gfp_zone(GFP_USER)) is ZONE_NORMAL on every 64-bit config the model knows.
    private const int GfpUserZone = (int)ZoneType.Normal;

    /// <summary>
    /// The boot sequence: <c>init_per_zone_wmark_min</c> at <c>postcore_initcall</c>, then (THP enabled)
    /// <c>hugepage_init</c> → <c>start_stop_khugepaged</c> → <c>set_recommended_min_free_kbytes</c> at <c>subsys_initcall</c>.
    /// Call it with the managed counts that held at that point of the boot (before initrd and initmem were freed).
    /// </summary>
    public void Boot()
    {
        InitPerZoneWmarkMin();
        StartKhugepaged();
    }

    /// <summary>
    /// Redoes <see cref="Boot"/> with the managed counts the initcalls saw: each zone's current count less
    /// <paramref name="notYetManaged"/> (node-major, one per zone: the initrd and init sections the kernel frees after
    /// its initcalls, which raise <c>managed</c> without a recompute), then restores the current counts. A machine
    /// built from a real boot's final managed counts otherwise has slightly higher watermarks than that kernel.
    /// </summary>
    public void RebootWithLateFrees(IReadOnlyList<ulong> notYetManaged)
    {
        if (notYetManaged.Count != _zones.Count)
        {
            throw new ArgumentException($"{notYetManaged.Count} counts for {_zones.Count} zones", nameof(notYetManaged));
        }

        var current = new ulong[_zones.Count];
        for (int i = 0; i < _zones.Count; i++)
        {
            current[i] = _zones[i].ManagedPages;
            _zones[i].ManagedPages = current[i] > notYetManaged[i] ? current[i] - notYetManaged[i] : 0;
            // struct zone starts zeroed: calculate_min_free_kbytes' nr_free_buffer_pages subtracts high marks of 0
            foreach (WatermarkIndex w in Enum.GetValues<WatermarkIndex>())
            {
                _zones[i].SetRawMark(w, 0);
            }
        }

        KhugepagedRunning = false;
        Boot();
        for (int i = 0; i < _zones.Count; i++)
        {
            _zones[i].ManagedPages = current[i];
        }
    }

    /// <summary>
    /// mirrors <c>init_per_zone_wmark_min</c>: run at boot and after every memory online/offline.
    /// </summary>
    public void InitPerZoneWmarkMin()
    {
        CalculateMinFreeKbytes();
        SetupPerZoneWmarks();
        SetupPerZoneLowmemReserve();
        // mirrors khugepaged_min_free_kbytes_update: only once the thread runs
        if (Sysctls.TransparentHugepages && KhugepagedRunning)
        {
            SetRecommendedMinFreeKbytes();
        }
    }

    /// <summary>mirrors <c>start_stop_khugepaged</c> (thread start, then the recommended minimum).</summary>
    public void StartKhugepaged()
    {
        // mirrors hugepage_init (mm/huge_memory.c, v3.x-6.x): "By default disable transparent hugepages on smaller
        // systems" — below 512 MiB of totalram_pages() the THP flags are cleared and start_stop_khugepaged is never
        // called, so min_free_kbytes keeps calculate_min_free_kbytes' value (a 512 MiB guest: min 653 pages in
        // DMA32, not the ~6700 set_recommended_min_free_kbytes would give)
        if (!Sysctls.TransparentHugepages || TotalramPages() < ThpMinTotalramPages)
        {
            return;
        }

        KhugepagedRunning = true;
        SetRecommendedMinFreeKbytes();
    }

    /// <summary>hugepage_init's threshold: 512 MiB in pages (<c>512 &lt;&lt; (20 - PAGE_SHIFT)</c>).</summary>
    public const ulong ThpMinTotalramPages = 512UL << (20 - 12);

    /// <summary><c>totalram_pages()</c>: the managed pages of every zone.</summary>
    public ulong TotalramPages()
    {
        ulong sum = 0;
        foreach (ZoneWatermarks z in _zones)
        {
            sum += z.ManagedPages;
        }

        return sum;
    }

    /// <summary>
    /// mirrors <c>nr_free_zone_pages(gfp_zone(GFP_USER))</c> = <c>nr_free_buffer_pages</c>: managed pages above the
    /// current high watermark, summed over every node's zones up to ZONE_NORMAL (the zonelist of any node lists all nodes).
    /// </summary>
    public ulong NrFreeBufferPages()
    {
        ulong sum = 0;
        foreach (ZoneWatermarks z in _zones)
        {
            if ((int)z.Type > GfpUserZone || !z.HasManaged)
            {
                continue;
            }

            ulong size = z.ManagedPages;
            ulong high = z.High;
            if (size > high)
            {
                sum += size - high;
            }
        }

        return sum;
    }

    /// <summary>
    /// mirrors <c>calculate_min_free_kbytes</c>: <c>int_sqrt(lowmem_kbytes * 16)</c> clamped to [128, 262144]
    /// (65536 before v5.7, "mm: increase default min_free_kbytes bound"); a larger user value is kept.
    /// </summary>
    public void CalculateMinFreeKbytes()
    {
        ulong lowmemKbytes = NrFreeBufferPages() * 4;
        long newMin = (long)IntSqrt(lowmemKbytes * 16);
        int upper = Version >= KernelVersion.V6_1 ? 262144 : 65536;
        if (newMin > Sysctls.UserMinFreeKbytes)
        {
            MinFreeKbytes = (int)Math.Clamp(newMin, 128, upper);
        }
        else
        {
            MinFreeKbytes = Sysctls.UserMinFreeKbytes;
        }
    }

    /// <summary>
    /// mirrors <c>set_recommended_min_free_kbytes</c> (mm/khugepaged.c): two pageblocks plus
    /// <c>MIGRATE_PCPTYPES²</c> pageblocks per populated zone up to NORMAL, at most 5 % of
    /// <c>nr_free_buffer_pages</c>; raises <c>min_free_kbytes</c> if larger, then recomputes the watermarks.
    /// </summary>
    public void SetRecommendedMinFreeKbytes()
    {
        if (!Sysctls.TransparentHugepages)
        {
            CalculateMinFreeKbytes();
            SetupPerZoneWmarks();
            return;
        }

        ulong nrZones = 0;
        foreach (ZoneWatermarks z in _zones)
        {
            // for_each_populated_zone, skipping zones above gfp_zone(GFP_USER) (ZONE_MOVABLE has only movable pages)
            if (z.IsPopulated && (int)z.Type <= GfpUserZone)
            {
                nrZones++;
            }
        }

        const ulong MigratePcptypes = 3;
        ulong recommended = Pageblock.NrPages * nrZones * 2;
        recommended += Pageblock.NrPages * nrZones * MigratePcptypes * MigratePcptypes;
        recommended = Math.Min(recommended, NrFreeBufferPages() / 20);
        recommended <<= 2; // pages to KiB (PAGE_SHIFT - 10)
        if (recommended > (ulong)Math.Max(MinFreeKbytes, 0))
        {
            MinFreeKbytes = (int)recommended;
        }

        SetupPerZoneWmarks();
    }

    /// <summary>
    /// mirrors <c>__setup_per_zone_wmarks</c>: <c>tmp = pages_min * managed / lowmem_pages</c>; MIN = tmp
    /// (ZONE_MOVABLE since v6.x and HIGHMEM: <c>clamp(managed/1024, 32, 128)</c>); the low/high gaps are
    /// <c>max(tmp/4, managed * watermark_scale_factor / 10000)</c>. Clears boosts.
    /// </summary>
    public void SetupPerZoneWmarks()
    {
        ulong pagesMin = (ulong)Math.Max(MinFreeKbytes, 0) >> 2;
        ulong lowmemPages = 0;
        foreach (ZoneWatermarks z in _zones)
        {
            if (!IsCappedLikeHighmem(z.Type))
            {
                lowmemPages += z.ManagedPages;
            }
        }

        foreach (ZoneWatermarks z in _zones)
        {
            ulong managed = z.ManagedPages;
            ulong tmp = lowmemPages == 0 ? 0 : (ulong)((UInt128)pagesMin * managed / lowmemPages);
            ulong min;
            if (IsCappedLikeHighmem(z.Type))
            {
                // __GFP_HIGH and PF_MEMALLOC allocations rarely need these zones, so their min is kept small
                min = Math.Clamp(managed / 1024, SwapClusterMax, 128UL);
            }
            else
            {
                min = tmp;
            }

            ulong gap = Math.Max(tmp >> 2, MultFrac(managed, (ulong)Sysctls.WatermarkScaleFactor, 10000));
            z.Boost = 0;
            z.SetRawMark(WatermarkIndex.Min, min);
            z.SetRawMark(WatermarkIndex.Low, min + gap);
            z.SetRawMark(WatermarkIndex.High, min + 2 * gap);
            z.SetRawMark(WatermarkIndex.Promo, Version >= KernelVersion.V6_1 ? min + 3 * gap : 0);
            z.HasPromoLine = Version >= KernelVersion.V6_12;
        }

        CalculateTotalReservePages();
    }

    /// <summary>
    /// mirrors <c>setup_per_zone_lowmem_reserve</c>. Since v4.17-ish (and in 6.1/6.12): for zone i and every higher j,
    /// <c>lowmem_reserve[j] = Σ managed(i+1..j) / ratio[i]</c>, or 0 when ratio[i] is 0 or zone i has no managed pages.
    /// v4.10 walked downward from each zone j: <c>lower.lowmem_reserve[j] = Σ managed(idx+1..j) / max(ratio[idx], 1)</c>
    /// with no empty-zone exception. Note that reading <c>/proc/sys/vm/lowmem_reserve_ratio</c> also runs this
    /// (its handler has no <c>if (write)</c>), so a dump taken after that shows reserves from the current managed counts.
    /// </summary>
    public void SetupPerZoneLowmemReserve()
    {
        int[] ratio = Sysctls.LowmemReserveRatio;
        for (int nodeBase = 0; nodeBase < _zones.Count; nodeBase += MaxNrZones)
        {
            if (Version < KernelVersion.V6_1)
            {
                for (int j = 0; j < MaxNrZones; j++)
                {
                    ulong managed = _zones[nodeBase + j].ManagedPages;
                    _zones[nodeBase + j].LowmemReserve[j] = 0;
                    for (int idx = j - 1; idx >= 0; idx--)
                    {
                        if (ratio[idx] < 1)
                        {
                            ratio[idx] = 1;
                        }

                        ZoneWatermarks lower = _zones[nodeBase + idx];
                        lower.LowmemReserve[j] = managed / (ulong)ratio[idx];
                        managed += lower.ManagedPages;
                    }
                }

                continue;
            }

            for (int i = 0; i < MaxNrZones; i++)
            {
                ZoneWatermarks zone = _zones[nodeBase + i];
                zone.LowmemReserve[i] = 0;
                if (i == MaxNrZones - 1)
                {
                    break;
                }

                int r = ratio[i];
                bool clear = r == 0 || zone.ManagedPages == 0;
                ulong managed = 0;
                for (int j = i + 1; j < MaxNrZones; j++)
                {
                    managed += _zones[nodeBase + j].ManagedPages;
                    zone.LowmemReserve[j] = clear ? 0 : managed / (ulong)r;
                }
            }
        }

        CalculateTotalReservePages();
    }

    /// <summary>mirrors <c>calculate_totalreserve_pages</c>: Σ min(managed, high + max lowmem_reserve).</summary>
    public void CalculateTotalReservePages()
    {
        ulong total = 0;
        foreach (ZoneWatermarks z in _zones)
        {
            ulong max = z.MaxLowmemReserve + z.RawMark(WatermarkIndex.High);
            total += Math.Min(max, z.ManagedPages);
        }

        TotalReservePages = total;
    }

    /// <summary>Sets <c>vm.min_free_kbytes</c> as a write to the sysctl does (<c>min_free_kbytes_sysctl_handler</c>).</summary>
    public void WriteMinFreeKbytes(int kbytes)
    {
        MinFreeKbytes = kbytes;
        Sysctls.UserMinFreeKbytes = kbytes;
        SetupPerZoneWmarks();
    }

    /// <summary>Sets <c>vm.watermark_scale_factor</c> (<c>watermark_scale_factor_sysctl_handler</c>).</summary>
    public void WriteWatermarkScaleFactor(int factor)
    {
        Sysctls.WatermarkScaleFactor = Math.Clamp(factor, 1, 3000);
        SetupPerZoneWmarks();
    }

    /// <summary>Reads or writes <c>vm.lowmem_reserve_ratio</c> (<c>lowmem_reserve_ratio_sysctl_handler</c>, both recompute).</summary>
    public void TouchLowmemReserveRatio(int[]? newRatios = null)
    {
        if (newRatios is not null)
        {
            for (int i = 0; i < newRatios.Length && i < Sysctls.LowmemReserveRatio.Length; i++)
            {
                Sysctls.LowmemReserveRatio[i] = newRatios[i] < 1 ? 0 : newRatios[i];
            }
        }

        SetupPerZoneLowmemReserve();
    }

    // ZONE_MOVABLE got the highmem treatment (excluded from lowmem_pages, min capped) after 6.1
    // ("mm/page_alloc: treat ZONE_MOVABLE like highmem in __setup_per_zone_wmarks"); verified against a 6.12 dump.
    private bool IsCappedLikeHighmem(ZoneType t) => t == ZoneType.Movable && Version >= KernelVersion.V6_12;

    /// <summary>The kernel's <c>mult_frac(x, n, d)</c>: <c>x/d*n + (x%d)*n/d</c> (no overflow of x*n).</summary>
    public static ulong MultFrac(ulong x, ulong n, ulong d) => x / d * n + x % d * n / d;

    /// <summary>The kernel's <c>int_sqrt</c>: floor of the square root.</summary>
    public static ulong IntSqrt(ulong x)
    {
        if (x < 2)
        {
            return x;
        }

        ulong r = (ulong)Math.Sqrt(x);
        while (r * r > x)
        {
            r--;
        }

        while ((r + 1) * (r + 1) <= x)
        {
            r++;
        }

        return r;
    }
}
