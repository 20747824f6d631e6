namespace ZoneLab.Hotplug;

/// <summary>
/// What user space writes to <c>/sys/devices/system/memory/memoryN/state</c> and what <c>memhp_default_state=</c>
/// selects (<c>enum mmop</c> and <c>mhp_online_type_from_str()</c>, mm/memory_hotplug.c 6.1).
/// </summary>
public enum OnlineType
{
    /// <summary>MMOP_OFFLINE ("offline").</summary>
    Offline,

    /// <summary>MMOP_ONLINE ("online"): the zone the online policy picks.</summary>
    Online,

    /// <summary>MMOP_ONLINE_KERNEL ("online_kernel"): default_kernel_zone_for_pfn().</summary>
    OnlineKernel,

    /// <summary>MMOP_ONLINE_MOVABLE ("online_movable"): ZONE_MOVABLE.</summary>
    OnlineMovable,
}

/// <summary>Names of <see cref="OnlineType"/> as sysfs prints and parses them.</summary>
public static class OnlineTypes
{
    /// <summary>The sysfs string (<c>online_type_to_str[]</c>).</summary>
    public static string Name(OnlineType t) => t switch
    {
        OnlineType.Offline => "offline",
        OnlineType.Online => "online",
        OnlineType.OnlineKernel => "online_kernel",
        _ => "online_movable",
    };

    /// <summary>mirrors mhp_online_type_from_str(): null for anything else.</summary>
    public static OnlineType? Parse(string? text) => text?.Trim() switch
    {
        "offline" => OnlineType.Offline,
        "online" => OnlineType.Online,
        "online_kernel" => OnlineType.OnlineKernel,
        "online_movable" => OnlineType.OnlineMovable,
        _ => null,
    };
}

/// <summary><c>memory_hotplug.online_policy</c>: how MMOP_ONLINE picks a zone.</summary>
public enum OnlinePolicy
{
    /// <summary>"contig-zones" (the default): default_zone_for_pfn(), keep zones contiguous.</summary>
    ContigZones,

    /// <summary>"auto-movable": auto_movable_zone_for_pfn(), ZONE_MOVABLE while the movable:kernel ratio allows.</summary>
    AutoMovable,
}
