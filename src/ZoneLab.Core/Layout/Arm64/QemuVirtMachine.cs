using ZoneLab.Layout.DeviceTree;

namespace ZoneLab.Layout.Arm64;

/// <summary>
/// An arm64 machine as QEMU 7.2's <c>-M virt</c> with <c>-kernel/-initrd</c> boots it (hw/arm/virt.c, hw/arm/boot.c):
/// RAM at 0x40000000 (split over NUMA nodes in order, each a <c>/memory</c> node with <c>numa-node-id</c>), the
/// Image at RAM + 2 MiB, the initrd at RAM + min(RAM/2, 128 MiB), the device tree blob at the next 2 MiB boundary
/// after it. A user <c>-dtb</c> keeps its reserved-memory and dma-ranges but QEMU rewrites <c>/memory</c> and
/// <c>/chosen</c>; QEMU's own tree is a 1 MiB blob, a loaded one grows to (file size + 10000) × 2.
/// A board DTB without <c>--mem</c> is taken as it is, with the kernel and initrd placed the same way from its first
/// memory range.
/// </summary>
public static class QemuVirtMachine
{
    /// <summary>VIRT_MEM base.</summary>
    public const ulong RamBase = 0x40000000;

    /// <summary>Size of the arm64 oracle's initramfs (linux,initrd-end - linux,initrd-start of its boots).</summary>
    public const ulong DefaultInitrdSize = 0xf2235;

    /// <summary>QEMU's generated tree (create_device_tree() makes a 1 MiB blob).</summary>
    public const ulong GeneratedDtbSize = 0x100000;

    private const ulong TwoMiB = 2UL << 20;

    /// <summary>Builds a machine from <c>--mem</c>, <c>--numa</c> and/or <c>--dtb</c>.</summary>
    /// <param name="ram">RAM size (required without a DTB; with a DTB it replaces the DTB's memory).</param>
    /// <param name="numaNodeSizes">Sizes of NUMA nodes in order (QEMU <c>-numa node,mem=</c>), or null.</param>
    /// <param name="dtb">A device tree blob (QEMU <c>-dtb</c> or a board's DTB), or null.</param>
    /// <param name="initrdSize">Initrd size (0: none).</param>
    /// <param name="config">The kernel build (image size, structure sizes).</param>
    /// <param name="commandLine">The command line QEMU puts into /chosen/bootargs (<c>-append</c>).</param>
    /// <param name="memoryRanges">RAM ranges of a <c>/memory</c> node (instead of <paramref name="ram"/> and a DTB's own), or null.</param>
    /// <param name="distanceMap">A <c>numa-distance-map-v1</c>'s triples for <paramref name="memoryRanges"/>; null: the DTB's own, if any.</param>
    public static Arm64Machine Create(ulong? ram, IReadOnlyList<ulong>? numaNodeSizes, BootDeviceTree? dtb, ulong initrdSize, KernelConfig config, string commandLine,
        IReadOnlyList<DtMemoryRange>? memoryRanges = null, IReadOnlyList<(uint A, uint B, uint Distance)>? distanceMap = null)
    {
        if (memoryRanges is { Count: > 0 } && (ram != null || dtb != null || numaNodeSizes != null))
        {
            throw new ZoneLabInputException("machine", "memory ranges replace --mem, --numa and --dtb; give only one of them");
        }
        if (ram == null && dtb == null && memoryRanges is not { Count: > 0 })
        {
            throw new ZoneLabInputException("machine", "an arm64 machine needs --mem SIZE, --dtb FILE or both");
        }
        var memory = new List<DtMemoryRange>();
        string source;
        if (ram is ulong size)
        {
            ulong b = dtb?.Memory.Count > 0 ? dtb.Memory[0].Base : RamBase;
            if (dtb != null && dtb.Memory.Count == 0 && dtb.Fdt.Find("/memory") is DeviceTreeNode mn && mn.UnitAddress is string ua
                && ulong.TryParse(ua, System.Globalization.NumberStyles.HexNumber, null, out ulong unit))
            {
                b = unit; // memory@0 with an empty reg (firmware fills it in): keep its base
            }
            if (size > KernelLimits.Arm64MaxPhysicalBytes - b)
            {
                throw new ZoneLabInputException("--mem", $"{size >> 30}G at 0x{b:x} ends beyond what arm64 with 4 KiB pages addresses (MAX_PHYSMEM_BITS 48, 256 TiB)");
            }
            if (size < 16UL << 20 || size % Page.Size != 0)
            {
                throw new ZoneLabInputException("--mem", $"{size} bytes is not a usable arm64 RAM size; expected a multiple of 4 KiB of at least 16 MiB (e.g. 2G)");
            }
            if (numaNodeSizes is { Count: > 0 })
            {
                ulong sum = numaNodeSizes.Aggregate(0UL, (a, x) => a + x);
                if (sum != size)
                {
                    throw new ZoneLabInputException("--numa", $"node sizes add up to {sum >> 20}M but --mem is {size >> 20}M; QEMU requires them to be equal");
                }
                ulong at = b;
                for (int nid = 0; nid < numaNodeSizes.Count; nid++)
                {
                    if (numaNodeSizes[nid] != 0)
                    {
                        memory.Add(new DtMemoryRange(at, numaNodeSizes[nid], nid, false, $"/memory@{at:x}"));
                    }
                    at += numaNodeSizes[nid];
                }
            }
            else
            {
                memory.Add(new DtMemoryRange(b, size, null, false, $"/memory@{b:x}"));
            }
            source = $"--mem {size >> 20}M" + (dtb != null ? $" --dtb {dtb.Fdt.Source}" : string.Empty);
        }
        else if (memoryRanges is { Count: > 0 })
        {
            memory.AddRange(memoryRanges.OrderBy(r => r.Base));
            source = "memory " + string.Join(',', memory.Select(r => $"{r.Size >> 20}M@0x{r.Base:x}"));
        }
        else
        {
            memory.AddRange(dtb!.Memory);
            if (memory.Count == 0)
            {
                throw new ZoneLabInputException(dtb.Fdt.Source, "the device tree has no /memory node with a non-empty reg (the bootloader fills it in on this board); give the RAM size with --mem");
            }
            if (numaNodeSizes != null)
            {
                throw new ZoneLabInputException("--numa", "--numa goes with --mem; without --mem the nodes come from the device tree's numa-node-id properties");
            }
            source = dtb.Fdt.Source;
        }

        ulong ramStart = memory.Min(m => m.Base);
        ulong ramSize = memory.Where(m => m.Base == ramStart).Sum(m => (long)m.Size) is long s0 ? (ulong)s0 : 0;
        ulong kernelText = ramStart + TwoMiB;
        (ulong, ulong)? initrd = null;
        ulong afterInitrd = kernelText + config.KernelImageSize;
        if (initrdSize > 0)
        {
            ulong initrdStart = Math.Max(ramStart + Math.Min(ramSize / 2, 128UL << 20), kernelText + config.KernelImageSize);
            initrd = (initrdStart, initrdSize);
            afterInitrd = initrdStart + initrdSize;
        }
        ulong dtbSize = dtb == null ? GeneratedDtbSize : (dtb.Fdt.Header.TotalSize + 10000UL) * 2;
        ulong dtbAt = (afterInitrd + TwoMiB - 1) & ~(TwoMiB - 1);

        int nodes = numaNodeSizes?.Count ?? 1;
        var adds = new List<string> { "bootargs" };
        if (initrd != null)
        {
            adds.Add("linux,initrd-start");
            adds.Add("linux,initrd-end");
        }
        ulong unflattened = dtb == null
            ? UnflattenedTreeSize.QemuVirt(nodes)
            : UnflattenedTreeSize.Of(dtb.Fdt.Root, config, adds);
        var cpuNodes = new List<int>();
        if (dtb == null)
        {
            if (numaNodeSizes is { Count: > 0 })
            {
                cpuNodes.Add(0); // -numa node,cpus=0 on the first node
            }
        }
        else if (dtb.Fdt.Find("/cpus") is DeviceTreeNode cpus)
        {
            foreach (DeviceTreeNode c in cpus.Children)
            {
                if (c.Property("device_type")?.AsString() == "cpu" && c.Property("numa-node-id")?.AsU32() is uint nid)
                {
                    cpuNodes.Add((int)Math.Min(nid, int.MaxValue));
                }
            }
        }

        return new Arm64Machine
        {
            Source = source,
            DeviceTree = dtb,
            Memory = memory,
            CommandLine = commandLine,
            KernelText = kernelText,
            Initrd = initrd,
            Dtb = (dtbAt, dtbSize),
            UnflattenedSize = unflattened + 4,
            CpuNodeIds = cpuNodes,
            DistanceMap = distanceMap ?? OfNumaDistanceMap.Read(dtb),
            MaxDmaCpuAddress = dtb?.MaxDmaCpuAddress ?? OfDmaRanges.PhysAddrMax,
            Model = dtb?.Model ?? "linux,dummy-virt",
        };
    }
}
