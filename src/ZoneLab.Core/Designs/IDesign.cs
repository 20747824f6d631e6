using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Designs;

/// <summary>
/// One contiguous-memory design: everything the rest of ZoneLab needs to know about it, so that no other code switches
/// on <see cref="DesignKind"/>. A design is registered once, in <see cref="DesignRegistry.All"/>.
/// </summary>
public interface IDesign
{
    /// <summary>The design.</summary>
    DesignKind Kind { get; }

    /// <summary>The name the command line and reports use (<c>migrate-cma</c>, <c>zone-cma</c>, ...).</summary>
    string Name { get; }

    /// <summary>One sentence: who may allocate from the movable-only memory and how device memory is obtained.</summary>
    string Summary { get; }

    /// <summary>
    /// The kernel changes this design's kernel carries that alter how the boot command line is read (the DMB series'
    /// <c>movablecore=size@base</c>); <see cref="KernelFeatures.Mainline"/> for the others.
    /// </summary>
    KernelFeatures Features { get; }

    /// <summary>
    /// True when the areas are reserved no-map (a carve-out): the kernel never manages those pages, so no kernel use of
    /// the area can be measured (its CMA utilisation is 0 by construction).
    /// </summary>
    bool CarvesOut { get; }

    /// <summary>
    /// True when the design's kernel reports the boot layout's own zones and watermarks in <c>/proc/zoneinfo</c> (the
    /// layout's zoneinfo writer applies); false when the zones differ from the boot layout's enough that the booted
    /// engine must print it.
    /// </summary>
    bool LayoutZoneinfo { get; }

    /// <summary>
    /// The boot layout as this design's kernel reports it (<c>Zone ranges</c>, spans, present and managed pages),
    /// derived from the mainline layout <paramref name="layout"/>.
    /// </summary>
    BootLayout Layout(BootLayout layout);

    /// <summary>Boots the machine.</summary>
    /// <param name="layout">The boot layout with its CMA areas.</param>
    /// <param name="version">Kernel generation.</param>
    /// <param name="sysctls">vm sysctls (kernel defaults when null).</param>
    /// <param name="debugChecks">Run the invariant checker after every operation.</param>
    /// <param name="swapPages">Swap space in pages (0: none); reclaim swaps anonymous pages out only when there is some.</param>
    DesignMachine Build(BootLayout layout, KernelVersion version, VmSysctls? sysctls = null, bool debugChecks = false, long swapPages = 0);
}
