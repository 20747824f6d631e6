namespace ZoneLab.Procfs;

/// <summary>
/// The /proc files ZoneLab prints from a booted engine. Each member has a name and a writer in
/// <see cref="ProcFiles"/>; a member without them fails loudly there and in the registration test.
/// </summary>
public enum ProcFile
{
    /// <summary><c>/proc/zoneinfo</c> (mm/vmstat.c: zoneinfo_show).</summary>
    Zoneinfo,

    /// <summary><c>/proc/buddyinfo</c> (mm/vmstat.c: frag_show).</summary>
    Buddyinfo,

    /// <summary><c>/proc/pagetypeinfo</c> (mm/vmstat.c: pagetypeinfo_show).</summary>
    Pagetypeinfo,

    /// <summary><c>/proc/meminfo</c> (fs/proc/meminfo.c: meminfo_proc_show).</summary>
    Meminfo,

    /// <summary><c>/proc/vmstat</c> (mm/vmstat.c: vmstat_show).</summary>
    Vmstat,

    /// <summary><c>/sys/kernel/debug/extfrag/extfrag_index</c> (mm/vmstat.c: extfrag_show).</summary>
    ExtfragIndex,

    /// <summary><c>/sys/kernel/debug/extfrag/unusable_index</c> (mm/vmstat.c: unusable_show).</summary>
    UnusableIndex,
}
