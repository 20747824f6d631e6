namespace ZoneLab.Allocator;

/// <summary>
/// The <c>/proc/sys/vm</c> knobs that steer the allocator, with the kernel's defaults.
/// A machine owns one instance; change a value and call the matching recompute method (as the sysctl handlers do).
/// </summary>
public sealed class VmSysctls
{
    /// <summary>Number of zone types the ratio table covers (<c>MAX_NR_ZONES</c> upper bound in the model).</summary>
    public const int MaxZoneTypes = 6;

    /// <summary>
    /// A value written to <c>vm.min_free_kbytes</c> by the user, or -1 (<c>user_min_free_kbytes</c> starts at -1):
    /// a user value wins over <c>calculate_min_free_kbytes</c> whenever it is larger.
    /// </summary>
    public int UserMinFreeKbytes { get; set; } = -1;

    /// <summary><c>vm.watermark_scale_factor</c>, in 1/10000 of managed pages (default 10 = 0.1 %).</summary>
    public int WatermarkScaleFactor { get; set; } = 10;

    /// <summary><c>vm.watermark_boost_factor</c>, in 1/10000 of the high watermark (default 15000 = 150 %).</summary>
    public int WatermarkBoostFactor { get; set; } = 15000;

    /// <summary><c>vm.extfrag_threshold</c> used by <c>compaction_suitable</c> (default 500).</summary>
    public int ExtfragThreshold { get; set; } = 500;

    /// <summary>
    /// <c>vm.lowmem_reserve_ratio</c> indexed by zone type: DMA 256, DMA32 256, NORMAL 32, MOVABLE 0
    /// (<c>sysctl_lowmem_reserve_ratio[]</c> in mm/page_alloc.c; no HIGHMEM on 64-bit).
    /// </summary>
    public int[] LowmemReserveRatio { get; } = [256, 256, 32, 0, 0, 0];

    /// <summary>
    /// True when transparent hugepages are enabled (always or madvise, Debian's default), so khugepaged starts and
    /// raises <c>min_free_kbytes</c> (<c>set_recommended_min_free_kbytes</c>, mm/khugepaged.c).
    /// </summary>
    public bool TransparentHugepages { get; set; } = true;

    /// <summary><c>vm.compaction_proactiveness</c> (default 20).</summary>
    public int CompactionProactiveness { get; set; } = 20;

    /// <summary>
    /// <c>page_alloc.shuffle</c> (a boot-time module parameter, read-only afterwards like
    /// /sys/module/page_alloc/parameters/shuffle): randomise the free lists (mm/shuffle.c). Off by default.
    /// </summary>
    public bool PageAllocShuffle { get; set; }

    /// <summary>The seed that stands in for the kernel's <c>get_random_long()</c> when shuffling.</summary>
    public long ShuffleSeed { get; set; }

    /// <summary>A copy that can be changed independently.</summary>
    public VmSysctls Clone()
    {
        var c = new VmSysctls
        {
            UserMinFreeKbytes = UserMinFreeKbytes,
            WatermarkScaleFactor = WatermarkScaleFactor,
            WatermarkBoostFactor = WatermarkBoostFactor,
            ExtfragThreshold = ExtfragThreshold,
            TransparentHugepages = TransparentHugepages,
            CompactionProactiveness = CompactionProactiveness,
            PageAllocShuffle = PageAllocShuffle,
            ShuffleSeed = ShuffleSeed,
        };
        LowmemReserveRatio.CopyTo(c.LowmemReserveRatio, 0);
        return c;
    }
}
