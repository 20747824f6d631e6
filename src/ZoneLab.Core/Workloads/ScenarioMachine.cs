using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Workloads;

/// <summary>
/// The machine of a scenario: a RAM size (with optional NUMA node sizes and QEMU machine type), or a real x86 boot
/// log (<c>dmesg</c>), or an arm64 device tree (<c>dtb</c>, with an optional RAM size as QEMU's <c>-m</c>); plus
/// memory controllers, the kernel command line and sysctls. The same combinations as <c>zonelab layout</c>'s
/// <c>--mem/--numa/--machine</c>, <c>--dmesg</c> and <c>--dtb</c>.
/// </summary>
public sealed record ScenarioMachine
{
    /// <summary>RAM in bytes, as <c>--mem</c>.</summary>
    public ulong? Mem { get; init; }

    /// <summary>NUMA node sizes in bytes, adding up to <see cref="Mem"/>; empty for one node.</summary>
    public IReadOnlyList<ulong> Numa { get; init; } = [];

    /// <summary>QEMU machine type: <c>pc</c> (default) or <c>q35</c> (x86_64), <c>virt</c> (arm64, RAM at 0x40000000).</summary>
    public string? Type { get; init; }

    /// <summary>A boot log to take the e820 map, nodes and command line from (path as written in the file).</summary>
    public string? Dmesg { get; init; }

    /// <summary>A device tree blob (path as written in the file); the machine is arm64.</summary>
    public string? Dtb { get; init; }

    /// <summary>
    /// arm64 RAM as physical ranges (a device tree <c>/memory</c> node's <c>reg</c> entries), for boards with RAM in
    /// several windows; instead of <see cref="Mem"/> and <see cref="Dtb"/>. Empty when not given.
    /// </summary>
    public IReadOnlyList<PhysicalRange> Memory { get; init; } = [];

    /// <summary>The kernel's own traffic for the bandwidth model (<c>kernel_traffic</c>), null when not modelled.</summary>
    public KernelTraffic? KernelTraffic { get; init; }

    /// <summary>Memory controllers, for the bandwidth model.</summary>
    public IReadOnlyList<MemoryController> MemoryControllers { get; init; } = [];

    /// <summary>Kernel command line (<c>cma=512M movablecore=1G</c>).</summary>
    public string Cmdline { get; init; } = "";

    /// <summary>Sysctls by name (<c>vm.min_free_kbytes</c>), values as validated text, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Sysctls { get; init; } = [];

    /// <summary>
    /// The contiguous-allocation cost model (<c>contig_costs</c>: <c>migrate</c>, <c>discard</c>, <c>writeback</c>,
    /// <c>swap_out</c> per page, <c>attempt</c> per alloc_contig_range() call, <c>pageblock</c> per isolated
    /// pageblock): <see cref="ContigCostModel.Default"/> with the constants the file sets replaced. It turns the work
    /// of cma_alloc() and of memory offline into their latency.
    /// </summary>
    public ContigCostModel ContigCosts { get; init; } = ContigCostModel.Default;

    /// <summary>Swap space in bytes (a swap device or file after <c>swapon</c>); 0 means no swap.</summary>
    public ulong Swap { get; init; }

    /// <summary>
    /// One NUMA node per memory controller (a variant's <c>numa: controllers</c>): the device tree gives each
    /// controller's memory ranges its index as <c>numa-node-id</c> and a distance map (ScenarioNumaNodes).
    /// </summary>
    public bool NumaPerController { get; init; }

    /// <summary>Whether the machine is arm64 (a device tree, memory ranges, or <c>type: virt</c>).</summary>
    public bool IsArm64 => Dtb is not null || Memory.Count > 0 || Type == "virt";

    /// <summary>
    /// The layout builder for this machine, as <c>zonelab layout</c> would make it: <see cref="Cmdline"/> is appended to
    /// the boot log's or device tree's own command line (split at blanks). Relative <c>dmesg</c>/<c>dtb</c> paths are
    /// taken from <paramref name="baseDirectory"/> (the scenario's folder, <see cref="Scenario.SourcePath"/>).
    /// </summary>
    public LayoutBuilder ToLayoutBuilder(string? baseDirectory = null)
    {
        string Resolve(string p) => baseDirectory is null || Path.IsPathRooted(p) ? p : Path.Combine(baseDirectory, p);
        IReadOnlyList<ulong>? nodes = Numa.Count > 0 ? Numa : null;
        var b = new LayoutBuilder();
        if (Dmesg is not null)
        {
            b.FromDmesg(Resolve(Dmesg));
        }
        else if (Memory.Count > 0 && NumaPerController)
        {
            ScenarioNumaNodes.Describe(this, b);
        }
        else if (Memory.Count > 0)
        {
            b.ForArm64Memory([.. Memory.Select(r => (r.Start, r.Size))]);
        }
        else if (IsArm64)
        {
            b.ForArm64(Mem, nodes, Dtb is null ? null : Resolve(Dtb));
        }
        else
        {
            b.FromQemu(Mem ?? throw new ZoneLabInputException("machine", "no mem, dmesg or dtb"), Type == "q35" ? QemuMachineType.Q35 : QemuMachineType.Pc, nodes);
        }

        return b.WithExtraArgs(Cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <inheritdoc/>
    public bool Equals(ScenarioMachine? other) =>
        other is not null && Mem == other.Mem && Numa.SequenceEqual(other.Numa) && Type == other.Type
        && NumaPerController == other.NumaPerController && KernelTraffic == other.KernelTraffic && Dmesg == other.Dmesg && Dtb == other.Dtb && Memory.SequenceEqual(other.Memory) && MemoryControllers.SequenceEqual(other.MemoryControllers)
        && Cmdline == other.Cmdline && Sysctls.SequenceEqual(other.Sysctls) && Swap == other.Swap;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Mem, Cmdline);
}

/// <summary>A memory controller: the physical ranges it serves and its bandwidth.</summary>
/// <param name="Name">A name for reports.</param>
/// <param name="Ranges">Physical address ranges.</param>
/// <param name="BandwidthBytesPerSecond">Peak bandwidth.</param>
public sealed record MemoryController(string Name, IReadOnlyList<PhysicalRange> Ranges, double BandwidthBytesPerSecond)
{
    /// <inheritdoc/>
    public bool Equals(MemoryController? other) =>
        other is not null && Name == other.Name && Ranges.SequenceEqual(other.Ranges) && BandwidthBytesPerSecond.Equals(other.BandwidthBytesPerSecond);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Ranges.Count, BandwidthBytesPerSecond);
}

/// <summary>A physical address range [<paramref name="Start"/>, <paramref name="Start"/> + <paramref name="Size"/>).</summary>
/// <param name="Start">First byte.</param>
/// <param name="Size">Length in bytes.</param>
public readonly record struct PhysicalRange(ulong Start, ulong Size)
{
    /// <summary>One past the last byte.</summary>
    public ulong End => Start + Size;

    /// <summary>The kernel's <c>size@base</c> notation, as the loader reads it back.</summary>
    public override string ToString() => $"{Quantities.Format(Size, QuantityUnit.Bytes)}@0x{Start:x}";
}
