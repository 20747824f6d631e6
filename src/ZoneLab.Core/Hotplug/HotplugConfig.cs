using System.Globalization;
using ZoneLab.Layout;

namespace ZoneLab.Hotplug;

/// <summary>
/// The memory hotplug settings of a boot: <c>memhp_default_state=</c> (mhp_default_online_type, the
/// <c>auto_online_blocks</c> sysfs file), <c>memory_hotplug.online_policy=</c>, <c>memory_hotplug.auto_movable_ratio=</c>
/// (default 301), <c>memory_hotplug.auto_movable_numa_aware=</c> (default true) and <c>movable_node</c>
/// (movable_node_enabled), as mm/memory_hotplug.c 6.1 parses them.
/// </summary>
public sealed record HotplugConfig
{
    /// <summary><c>memhp_default_state</c>: how hot-added blocks are onlined (CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE off: offline).</summary>
    public OnlineType DefaultOnlineType { get; init; } = OnlineType.Offline;

    /// <summary><c>memory_hotplug.online_policy</c>.</summary>
    public OnlinePolicy Policy { get; init; } = OnlinePolicy.ContigZones;

    /// <summary><c>memory_hotplug.auto_movable_ratio</c>: the maximum movable:kernel ratio in percent.</summary>
    public uint AutoMovableRatio { get; init; } = 301;

    /// <summary><c>memory_hotplug.auto_movable_numa_aware</c>: also apply the ratio per node.</summary>
    public bool AutoMovableNumaAware { get; init; } = true;

    /// <summary><c>movable_node</c>: default_zone_for_pfn() picks ZONE_MOVABLE when the block touches neither zone.</summary>
    public bool MovableNode { get; init; }

    /// <summary>
    /// arm64: boot memory can never be offlined (prevent_bootmem_remove_notifier(), arch/arm64/mm/mmu.c, returns
    /// NOTIFY_BAD for an early section at MEM_GOING_OFFLINE: -EPERM).
    /// </summary>
    public bool PreventBootMemoryRemoval { get; init; }

    /// <summary>
    /// Migration passes of offline_pages() that move nothing before the model gives up as if the writer got a
    /// signal (-EINTR, "signal backoff"): the kernel itself retries until a signal arrives.
    /// </summary>
    public int MigrationPassLimit { get; init; } = 10;

    /// <summary>The settings a kernel command line gives (unknown values keep the default, as the kernel does).</summary>
    public static HotplugConfig FromCommandLine(KernelCommandLine cmdline, string arch)
    {
        var c = new HotplugConfig { PreventBootMemoryRemoval = arch == "arm64", MovableNode = cmdline.MovableNode };
        // setup_memhp_default_state(): an invalid string is ignored
        if (OnlineTypes.Parse(cmdline.Get("memhp_default_state")) is OnlineType t)
        {
            c = c with { DefaultOnlineType = t };
        }
        // set_online_policy(): sysfs_match_string against "contig-zones", "auto-movable"
        c = cmdline.Get("memory_hotplug.online_policy") switch
        {
            "auto-movable" => c with { Policy = OnlinePolicy.AutoMovable },
            "contig-zones" => c with { Policy = OnlinePolicy.ContigZones },
            _ => c,
        };
        if (cmdline.Get("memory_hotplug.auto_movable_ratio") is string r && uint.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out uint ratio))
        {
            c = c with { AutoMovableRatio = ratio };
        }
        if (cmdline.Get("memory_hotplug.auto_movable_numa_aware") is string b && ParseBool(b) is bool aware)
        {
            c = c with { AutoMovableNumaAware = aware };
        }
        return c;
    }

    // kstrtobool: 1/y/Y/on, 0/n/N/off
    private static bool? ParseBool(string s) => s.ToLowerInvariant() switch
    {
        "1" or "y" or "yes" or "on" or "true" => true,
        "0" or "n" or "no" or "off" or "false" => false,
        _ => null,
    };
}
