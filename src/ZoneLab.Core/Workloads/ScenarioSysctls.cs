using System.Globalization;
using ZoneLab.Allocator;

namespace ZoneLab.Workloads;

/// <summary>
/// The sysctls a scenario may set and their ranges, as the 6.1 kernel accepts them (kernel/sysctl.c, mm/page_alloc.c
/// <c>vm_table</c> entries: <c>proc_dointvec_minmax</c> bounds), plus the two THP knobs of
/// <c>/sys/kernel/mm/transparent_hugepage/</c>.
/// </summary>
public static class ScenarioSysctls
{
    private static readonly Dictionary<string, (long Min, long Max)> s_ints = new(StringComparer.Ordinal)
    {
        ["vm.min_free_kbytes"] = (0, int.MaxValue),
        ["vm.watermark_scale_factor"] = (1, 3000),
        ["vm.watermark_boost_factor"] = (0, int.MaxValue),
        ["vm.extfrag_threshold"] = (0, 1000),
        ["vm.compaction_proactiveness"] = (0, 100),
        ["vm.percpu_pagelist_high_fraction"] = (0, int.MaxValue),
        ["vm.zone_reclaim_mode"] = (0, 15),
        ["vm.swappiness"] = (0, 200),
        ["vm.dirty_ratio"] = (0, 100),
        ["vm.dirty_background_ratio"] = (0, 100),
        ["vm.overcommit_memory"] = (0, 2),
    };

    private static readonly Dictionary<string, string[]> s_choices = new(StringComparer.Ordinal)
    {
        ["transparent_hugepage"] = ["always", "madvise", "never"],
        ["transparent_hugepage_defrag"] = ["always", "defer", "defer+madvise", "madvise", "never"],
    };

    /// <summary>Every accepted name.</summary>
    public static IReadOnlyCollection<string> Names { get; } =
        [.. s_ints.Keys, "vm.lowmem_reserve_ratio", .. s_choices.Keys];

    /// <summary>
    /// Sets the knobs the engine models on <paramref name="target"/> (as writing the sysctl would; the caller then
    /// recomputes watermarks) and returns the names it does not model (<c>vm.swappiness</c>, ...), for a warning.
    /// Values must have been validated by <see cref="TryValidate"/>.
    /// </summary>
    public static IReadOnlyList<string> Apply(IEnumerable<KeyValuePair<string, string>> sysctls, VmSysctls target)
    {
        var ignored = new List<string>();
        foreach ((string name, string value) in sysctls)
        {
            int Int() => int.Parse(value, CultureInfo.InvariantCulture);
            switch (name)
            {
                case "vm.min_free_kbytes":
                    target.UserMinFreeKbytes = Int();
                    break;
                case "vm.watermark_scale_factor":
                    target.WatermarkScaleFactor = Int();
                    break;
                case "vm.watermark_boost_factor":
                    target.WatermarkBoostFactor = Int();
                    break;
                case "vm.extfrag_threshold":
                    target.ExtfragThreshold = Int();
                    break;
                case "vm.compaction_proactiveness":
                    target.CompactionProactiveness = Int();
                    break;
                case "vm.lowmem_reserve_ratio":
                    // sysctl_lowmem_reserve_ratio: the values written fill the table from the first zone.
                    string[] parts = value.Split(' ');
                    for (int i = 0; i < parts.Length && i < target.LowmemReserveRatio.Length; i++)
                    {
                        target.LowmemReserveRatio[i] = int.Parse(parts[i], CultureInfo.InvariantCulture);
                    }

                    break;
                case "transparent_hugepage":
                    target.TransparentHugepages = value != "never";
                    break;
                default:
                    ignored.Add(name);
                    break;
            }
        }

        return ignored;
    }

    /// <summary>Checks <paramref name="value"/> for <paramref name="name"/>; the normalized text on success.</summary>
    public static bool TryValidate(string name, string value, out string normalized, out string expected)
    {
        normalized = value.Trim();
        if (s_ints.TryGetValue(name, out var range))
        {
            expected = $"an integer {range.Min}..{range.Max}";
            if (!long.TryParse(normalized, NumberStyles.None, CultureInfo.InvariantCulture, out long v) || v < range.Min || v > range.Max)
            {
                return false;
            }

            if (name == "vm.percpu_pagelist_high_fraction" && v is > 0 and < 8)
            {
                expected = "0 or an integer of at least 8 (MIN_PERCPU_PAGELIST_HIGH_FRACTION)";
                return false;
            }

            normalized = v.ToString(CultureInfo.InvariantCulture);
            return true;
        }

        if (s_choices.TryGetValue(name, out string[]? choices))
        {
            expected = "one of " + string.Join(", ", choices);
            return choices.Contains(normalized);
        }

        // vm.lowmem_reserve_ratio: one non-negative ratio per zone type, "256 256 32 0 0" or a YAML list.
        // The kernel's handler is proc_dointvec_minmax() on an int array: a value above INT_MAX is -EINVAL.
        expected = "one to six integers 0..2147483647 (one per zone type, INT_MAX as the kernel's int array), e.g. 256 256 32 0 0";
        string[] parts = normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 6 || parts.Any(p => !int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            return false;
        }

        normalized = string.Join(' ', parts);
        return true;
    }
}
