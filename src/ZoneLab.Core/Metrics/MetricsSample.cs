using System.Text.Json.Serialization;

namespace ZoneLab.Metrics;

/// <summary>One point of a design's time series, taken every <c>SampleSeconds</c> of simulated time.</summary>
/// <param name="TimeSeconds">Simulated time of the sample.</param>
/// <param name="KernelUsableFreePages">Free pages an unmovable (GFP_KERNEL) request could take: all free pages minus the movable-only ones.</param>
/// <param name="MovableOnlyFreePages">Free MIGRATE_CMA pages plus free pages of ZONE_MOVABLE/ZONE_CMA.</param>
/// <param name="UnusableIndex">mirrors <c>unusable_free_index</c> at pageblock order over all zones' free lists (×1000; 0..1 in JSON, as the tables show it).</param>
/// <param name="KernelUnusableIndex">The same restricted to the kernel-usable free lists (zones up to gfp_zone(GFP_KERNEL), MIGRATE_CMA excluded).</param>
/// <param name="CmaUtilisation">Fraction of the device areas the kernel uses while the device does not hold them (0..1).</param>
public readonly record struct MetricsSample(
    double TimeSeconds,
    long KernelUsableFreePages,
    long MovableOnlyFreePages,
    [property: JsonConverter(typeof(PerMilleAsFractionConverter))] int UnusableIndex,
    [property: JsonConverter(typeof(PerMilleAsFractionConverter))] int KernelUnusableIndex,
    double CmaUtilisation);
