namespace ZoneLab.Workloads;

/// <summary>
/// The machine of a scenario: exactly one of a RAM size (with optional NUMA node sizes and QEMU machine type), a
/// real boot log (<c>dmesg</c>) or a flattened device tree (<c>dtb</c>); plus memory controllers, the kernel command
/// line and sysctls.
/// </summary>
public sealed record ScenarioMachine
{
    /// <summary>RAM in bytes, as <c>--mem</c>.</summary>
    public ulong? Mem { get; init; }

    /// <summary>NUMA node sizes in bytes, adding up to <see cref="Mem"/>; empty for one node.</summary>
    public IReadOnlyList<ulong> Numa { get; init; } = [];

    /// <summary>QEMU machine type with <see cref="Mem"/>: <c>pc</c> (default) or <c>q35</c>.</summary>
    public string? Type { get; init; }

    /// <summary>A boot log to take the e820 map, nodes and command line from (path as written in the file).</summary>
    public string? Dmesg { get; init; }

    /// <summary>A device tree blob (path as written in the file).</summary>
    public string? Dtb { get; init; }

    /// <summary>Memory controllers, for the bandwidth model.</summary>
    public IReadOnlyList<MemoryController> MemoryControllers { get; init; } = [];

    /// <summary>Kernel command line (<c>cma=512M movablecore=1G</c>).</summary>
    public string Cmdline { get; init; } = "";

    /// <summary>Sysctls by name (<c>vm.min_free_kbytes</c>), values as validated text, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Sysctls { get; init; } = [];

    /// <inheritdoc/>
    public bool Equals(ScenarioMachine? other) =>
        other is not null && Mem == other.Mem && Numa.SequenceEqual(other.Numa) && Type == other.Type
        && Dmesg == other.Dmesg && Dtb == other.Dtb && MemoryControllers.SequenceEqual(other.MemoryControllers)
        && Cmdline == other.Cmdline && Sysctls.SequenceEqual(other.Sysctls);

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
