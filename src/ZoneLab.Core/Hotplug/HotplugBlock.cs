using ZoneLab.Allocator;

namespace ZoneLab.Hotplug;

/// <summary>State of a memory block device (<c>MEM_ONLINE</c> / <c>MEM_OFFLINE</c>).</summary>
public enum BlockState
{
    /// <summary>MEM_ONLINE.</summary>
    Online,

    /// <summary>MEM_OFFLINE.</summary>
    Offline,
}

/// <summary>
/// A static memory group (<c>struct memory_group</c>, registered by the ACPI memory device driver for each DIMM with
/// <c>memory_group_register_static()</c>): the auto-movable policy onlines a group either all movable or kernel.
/// </summary>
public sealed class MemoryGroup
{
    internal MemoryGroup(int node, ulong maxPages)
    {
        Node = node;
        MaxPages = maxPages;
    }

    /// <summary>Node of the group.</summary>
    public int Node { get; }

    /// <summary><c>group-&gt;s.max_pages</c>.</summary>
    public ulong MaxPages { get; }

    /// <summary><c>group-&gt;present_kernel_pages</c>.</summary>
    public ulong PresentKernelPages { get; internal set; }

    /// <summary><c>group-&gt;present_movable_pages</c>.</summary>
    public ulong PresentMovablePages { get; internal set; }
}

/// <summary>
/// One memory block (<c>struct memory_block</c>, drivers/base/memory.c): <c>/sys/devices/system/memory/memoryN</c>.
/// </summary>
public sealed class HotplugBlock
{
    internal HotplugBlock(ulong index, ulong startPfn, ulong pages, int node, bool early, MemoryGroup? group)
    {
        Index = index;
        StartPfn = startPfn;
        Pages = pages;
        Node = node;
        Early = early;
        Group = group;
    }

    /// <summary>Block number (the N of memoryN, <c>phys_index</c>).</summary>
    public ulong Index { get; }

    /// <summary>First pfn.</summary>
    public ulong StartPfn { get; }

    /// <summary>Pages in the block (PAGES_PER_SECTION * sections_per_block).</summary>
    public ulong Pages { get; }

    /// <summary>End pfn (exclusive).</summary>
    public ulong EndPfn => StartPfn + Pages;

    /// <summary><c>mem-&gt;nid</c>.</summary>
    public int Node { get; }

    /// <summary>Boot memory (its sections are early sections), as opposed to hot-added memory.</summary>
    public bool Early { get; }

    /// <summary>The memory group of hot-added memory, null for boot memory.</summary>
    public MemoryGroup? Group { get; }

    /// <summary><c>mem-&gt;state</c>.</summary>
    public BlockState State { get; internal set; }

    /// <summary><c>mem-&gt;zone</c>: the zone of an online block, null when offline or spanning several zones.</summary>
    public Zone? Zone { get; internal set; }

    public override string ToString() => $"memory{Index} {(State == BlockState.Online ? "online" : "offline")} {Zone?.Name ?? "-"}";
}

/// <summary>Why offline_pages() failed (the <c>reason</c> of its "memory offlining ... failed due to" message).</summary>
public enum OfflineFailure
{
    /// <summary>Succeeded.</summary>
    None,

    /// <summary>The block is already in the requested state (device_online/device_offline return 1: -EINVAL).</summary>
    AlreadyInState,

    /// <summary>memory_block_offline(): <c>mem-&gt;zone</c> is NULL (the block spans several zones or nodes).</summary>
    MultipleZones,

    /// <summary>"memory holes".</summary>
    MemoryHoles,

    /// <summary>"multizone range".</summary>
    MultizoneRange,

    /// <summary>"failure to isolate range": has_unmovable_pages() found a reserved page, an unmovable page or a CMA pageblock.</summary>
    IsolationFailed,

    /// <summary>"notifier failure" (arm64: boot memory).</summary>
    NotifierFailure,

    /// <summary>"unmovable page": scan_movable_pages() found an allocated page that is neither LRU nor movable.</summary>
    UnmovablePage,

    /// <summary>"signal backoff": migration made no progress for the model's pass limit (the kernel waits for a signal).</summary>
    SignalBackoff,
}

/// <summary>The outcome of writing a block's <c>state</c> file.</summary>
/// <param name="Errno">0, or the negative errno the write returns (-EINVAL, -EBUSY, -EPERM, -EINTR).</param>
/// <param name="Failure">The kernel's reason.</param>
/// <param name="Zone">The zone the block was onlined to (online only).</param>
/// <param name="Migrated">Pages migrated out of the block.</param>
/// <param name="Passes">Migration passes.</param>
/// <param name="Messages">Kernel messages printed (pr_debug ones included).</param>
public sealed record HotplugResult(int Errno, OfflineFailure Failure, Zone? Zone, long Migrated, int Passes, IReadOnlyList<string> Messages)
{
    /// <summary>True on success.</summary>
    public bool Success => Errno == 0;

    /// <summary>EINVAL.</summary>
    public const int EInval = 22;

    /// <summary>EBUSY.</summary>
    public const int EBusy = 16;

    /// <summary>EPERM.</summary>
    public const int EPerm = 1;

    /// <summary>EINTR.</summary>
    public const int EIntr = 4;

    /// <summary>The shell's message for the failed write (strerror), or "OK".</summary>
    public string Text => -Errno switch
    {
        0 => "OK",
        EInval => "Invalid argument",
        EBusy => "Device or resource busy",
        EPerm => "Operation not permitted",
        EIntr => "Interrupted system call",
        _ => $"errno {-Errno}",
    };

    /// <summary>The kernel's reason string (offline_pages()), or null.</summary>
    public string? Reason => Failure switch
    {
        OfflineFailure.MemoryHoles => "memory holes",
        OfflineFailure.MultizoneRange => "multizone range",
        OfflineFailure.IsolationFailed => "failure to isolate range",
        OfflineFailure.NotifierFailure => "notifier failure",
        OfflineFailure.UnmovablePage => "unmovable page",
        OfflineFailure.SignalBackoff => "signal backoff",
        _ => null,
    };
}
