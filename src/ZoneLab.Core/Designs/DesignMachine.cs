using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Designs;

/// <summary>A machine booted under one design: the engine, its layout, and the device-memory allocators.</summary>
public sealed class DesignMachine : IDisposable
{
    public DesignMachine(DesignKind kind, BootLayout layout, Machine machine, ContigRangeAllocator contig, IReadOnlyList<CmaAllocator> areas)
    {
        Kind = kind;
        Layout = layout;
        Machine = machine;
        Contig = contig;
        Areas = areas;
    }

    /// <summary>The design.</summary>
    public DesignKind Kind { get; }

    /// <summary>The boot layout the machine was built from (the design's own zones).</summary>
    public BootLayout Layout { get; }

    /// <summary>The allocator engine.</summary>
    public Machine Machine { get; }

    /// <summary>alloc_contig_range() on the engine (pinned pages are set here).</summary>
    public ContigRangeAllocator Contig { get; }

    /// <summary>The device-memory areas (CMA areas, carve-outs, pools in DMBs), by name.</summary>
    public IReadOnlyList<CmaAllocator> Areas { get; }

    /// <summary>
    /// The memory this design reserves for movable (or, for GCMA, discardable) pages only: CMA areas, ZONE_CMA,
    /// DMBs. The invariant checker's "never holds unmovable pages" rule applies to these pfns.
    /// </summary>
    public IReadOnlyList<PfnRange> MovableOnly { get; init; } = [];

    /// <summary>The Designated Movable Blocks of the machine (dmb design): pfns that must be in ZONE_MOVABLE.</summary>
    public IReadOnlyList<PfnRange> Dmbs { get; init; } = [];

    /// <summary>The sticky MIGRATE_MOVABLE pageblocks (sticky-movable design).</summary>
    public IReadOnlyList<PfnRange> Sticky { get; init; } = [];

    /// <summary>The GCMA clean-page store (gcma design only).</summary>
    public GcmaCleanCache? CleanCache { get; init; }

    /// <summary>
    /// Runs <see cref="InvariantChecker.Check(Machine)"/> and the design's own rules
    /// (<see cref="InvariantChecker.CheckDesign"/>).
    /// </summary>
    public void CheckInvariants()
    {
        InvariantChecker.Check(Machine);
        InvariantChecker.CheckDesign(Machine, MovableOnly, Dmbs, Contig.Pinned);
    }

    /// <summary>The area with a name, or the first one.</summary>
    public CmaAllocator? Area(string? name = null) => name == null ? Areas.FirstOrDefault() : Areas.FirstOrDefault(a => a.Name == name);

    public void Dispose() => Machine.Dispose();
}
