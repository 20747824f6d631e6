namespace ZoneLab.Layout;

/// <summary>QEMU x86 machine types whose memory maps ZoneLab synthesizes.</summary>
public enum QemuMachineType
{
    /// <summary>i440FX + PIIX ("pc").</summary>
    Pc,

    /// <summary>Q35 + ICH9 ("q35").</summary>
    Q35,
}

/// <summary>
/// Synthesizes the e820 map and ACPI SRAT that QEMU (7.2, Debian 12) with SeaBIOS gives an x86 guest of a given
/// size, as observed on real boots (tests/oracle/README.md, "QEMU e820 rule") and as QEMU's sources do it:
/// hw/i386/pc_piix.c and pc_q35.c split RAM below/above 4 GiB, hw/i386/acpi-build.c:build_srat_memory()
/// assigns node memory in order around the 640 KiB and PCI holes.
/// </summary>
public static class QemuX86Machine
{
    private const ulong GiB = 1UL << 30;
    private const ulong Hole640KStart = 640UL << 10;
    private const ulong Hole640KEnd = 1UL << 20;

    /// <summary>
    /// The low-RAM size: pc keeps RAM below 4 GiB up to 3.5 GiB, and from 3.5 GiB on puts 3 GiB low
    /// (gigabyte_align); q35 keeps it low below 2.75 GiB, and from 2.75 GiB on puts 2 GiB low.
    /// </summary>
    public static ulong Below4G(ulong ramSize, QemuMachineType machine) => machine switch
    {
        QemuMachineType.Pc => ramSize >= 0xe0000000UL ? 0xc0000000UL : ramSize,
        _ => ramSize >= 0xb0000000UL ? 0x80000000UL : ramSize,
    };

    /// <summary>
    /// Size of the range SeaBIOS reserves at the top of low RAM for its ACPI/SMBIOS tables
    /// (observed: 128 KiB on pc, 132 KiB on q35, independent of RAM size and NUMA).
    /// </summary>
    public static ulong TopOfLowReserve(QemuMachineType machine) => machine == QemuMachineType.Pc ? 0x20000UL : 0x21000UL;

    /// <summary>Builds the machine description for <c>--mem SIZE [--numa A,B,...] [--machine pc|q35]</c>.</summary>
    public static MachineDescription Create(ulong ramSize, QemuMachineType machine, IReadOnlyList<ulong>? numaNodeSizes, string commandLine)
    {
        string source = $"--mem {FormatSize(ramSize)}";
        if (ramSize < 2UL << 20)
        {
            throw new ZoneLabInputException("--mem", $"{FormatSize(ramSize)} is too small for an x86 guest; expected at least a few MiB (e.g. 2G)");
        }
        if (ramSize > KernelLimits.X86MaxPhysicalBytes - 4 * GiB)
        {
            throw new ZoneLabInputException("--mem", $"{FormatSize(ramSize)} is more than x86-64 can address: physical addresses have at most 52 bits (MAX_PHYSMEM_BITS with 5-level paging, 4 PiB) and QEMU puts RAM above 3 GiB at 4 GiB");
        }
        if (ramSize % Page.Size != 0)
        {
            throw new ZoneLabInputException("--mem", $"{ramSize} bytes is not a multiple of the 4 KiB page size");
        }
        ulong below = Below4G(ramSize, machine);
        ulong above = ramSize - below;

        var e820 = new List<E820Entry>
        {
            new(0, 0x9fc00, E820Type.Ram),
            new(0x9fc00, 0xa0000, E820Type.Reserved),
            new(0xf0000, 0x100000, E820Type.Reserved),
        };
        ulong reserve = TopOfLowReserve(machine);
        e820.Add(new E820Entry(0x100000, below - reserve, E820Type.Ram));
        e820.Add(new E820Entry(below - reserve, below, E820Type.Reserved));
        if (machine == QemuMachineType.Q35)
        {
            e820.Add(new E820Entry(0xb0000000, 0xc0000000, E820Type.Reserved)); // PCIe MMCONFIG
            e820.Add(new E820Entry(0xfed1c000, 0xfed20000, E820Type.Reserved)); // ICH9 RCRB
        }
        e820.Add(new E820Entry(0xfffc0000, 0x100000000, E820Type.Reserved)); // BIOS ROM
        if (above > 0)
        {
            e820.Add(new E820Entry(4 * GiB, 4 * GiB + above, E820Type.Ram));
        }
        e820.Add(new E820Entry(0xfd00000000, 0x10000000000, E820Type.Reserved)); // AMD HyperTransport hole

        var srat = new List<NumaMemBlock>();
        if (numaNodeSizes is { Count: > 0 })
        {
            ulong sum = 0;
            foreach (ulong n in numaNodeSizes)
            {
                sum += n;
            }
            if (sum != ramSize)
            {
                throw new ZoneLabInputException("--numa", $"node sizes add up to {FormatSize(sum)} but --mem is {FormatSize(ramSize)}; QEMU requires them to be equal");
            }
            if (numaNodeSizes.Any(n => n == 0 || n % (1UL << 23) != 0))
            {
                throw new ZoneLabInputException("--numa", "every node size must be a non-zero multiple of 8 MiB (QEMU's NUMA memory alignment)");
            }
            srat = BuildSrat(numaNodeSizes, below);
        }

        return new MachineDescription
        {
            Arch = "x86_64",
            Source = source,
            FirmwareE820 = new E820Table(e820),
            Srat = srat,
            CommandLine = commandLine,
            Hypervisor = true,
        };
    }

    // mirrors QEMU hw/i386/acpi-build.c build_srat(): node memory in RAM order, cut at the 640 KiB and PCI holes.
    private static List<NumaMemBlock> BuildSrat(IReadOnlyList<ulong> nodes, ulong below4g)
    {
        var srat = new List<NumaMemBlock>();
        ulong nextBase = 0;
        for (int i = 0; i < nodes.Count; i++)
        {
            ulong memBase = nextBase;
            ulong memLen = nodes[i];
            nextBase = memBase + memLen;

            if (memBase <= Hole640KStart && nextBase > Hole640KStart)
            {
                memLen -= nextBase - Hole640KStart;
                if (memLen > 0)
                {
                    srat.Add(new NumaMemBlock(memBase, memBase + memLen, i));
                }
                if (nextBase <= Hole640KEnd)
                {
                    nextBase = Hole640KEnd;
                    continue;
                }
                memBase = Hole640KEnd;
                memLen = nextBase - Hole640KEnd;
            }

            if (memBase <= below4g && nextBase > below4g)
            {
                memLen -= nextBase - below4g;
                if (memLen > 0)
                {
                    srat.Add(new NumaMemBlock(memBase, memBase + memLen, i));
                }
                memBase = 4 * GiB;
                memLen = nextBase - below4g;
                nextBase = memBase + memLen;
            }

            if (memLen > 0)
            {
                srat.Add(new NumaMemBlock(memBase, memBase + memLen, i));
            }
        }
        return srat;
    }

    /// <summary>Formats a byte count the way the options take it (8G, 512M, 4096K).</summary>
    public static string FormatSize(ulong bytes)
    {
        if (bytes != 0 && bytes % GiB == 0)
        {
            return $"{bytes / GiB}G";
        }
        if (bytes != 0 && bytes % (1UL << 20) == 0)
        {
            return $"{bytes >> 20}M";
        }
        if (bytes != 0 && bytes % 1024 == 0)
        {
            return $"{bytes >> 10}K";
        }
        return bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
