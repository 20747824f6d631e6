using ZoneLab.Layout.DeviceTree;

namespace ZoneLab.Layout.Arm64;

/// <summary>
/// What an arm64 machine hands the kernel: the device tree (memory, reserved-memory, chosen, dma-ranges) and
/// where the bootloader put the kernel image, the initrd and the blob (which memblock reserves before anything is
/// allocated). Built from a <c>.dtb</c> and/or a size by <see cref="QemuVirtMachine"/>.
/// </summary>
public sealed class Arm64Machine
{
    /// <summary>Where the description came from, for messages.</summary>
    public required string Source { get; init; }

    /// <summary>The device tree, or null for a QEMU virt guest whose tree QEMU generates.</summary>
    public BootDeviceTree? DeviceTree { get; init; }

    /// <summary>Memory ranges as the kernel finds them in <c>/memory</c> nodes.</summary>
    public required IReadOnlyList<DtMemoryRange> Memory { get; init; }

    /// <summary><c>/chosen/bootargs</c>.</summary>
    public string CommandLine { get; init; } = string.Empty;

    /// <summary>Physical address of <c>_text</c>.</summary>
    public required ulong KernelText { get; init; }

    /// <summary>The initrd (<c>linux,initrd-start</c>, size), or null.</summary>
    public (ulong Start, ulong Size)? Initrd { get; init; }

    /// <summary>Where the blob lies and its totalsize (setup_machine_fdt() reserves it), or null.</summary>
    public (ulong Address, ulong Size)? Dtb { get; init; }

    /// <summary>Size unflatten_device_tree() allocates for the tree (dry-run size rounded to 4, plus the 4-byte end marker).</summary>
    public required ulong UnflattenedSize { get; init; }

    /// <summary>NUMA node ids of CPU nodes (<c>/cpus/cpu@*/numa-node-id</c>), for of_numa_parse_cpu_nodes().</summary>
    public IReadOnlyList<int> CpuNodeIds { get; init; } = Array.Empty<int>();

    /// <summary>The <c>numa-distance-map-v1</c> node's <c>distance-matrix</c> triples, null without one (OfNumaDistanceMap).</summary>
    public IReadOnlyList<(uint A, uint B, uint Distance)>? DistanceMap { get; init; }

    /// <summary>of_dma_get_max_cpu_address(NULL).</summary>
    public ulong MaxDmaCpuAddress { get; init; } = OfDmaRanges.PhysAddrMax;

    /// <summary>The root's model, printed as "Machine model: ...".</summary>
    public string? Model { get; init; }
}
