using ZoneLab.Allocator;
using ZoneLab.Hotplug;
using ZoneLab.Layout;

namespace ZoneLab.Cli;

/// <summary>
/// <c>--dimm SIZE[@BASE]</c> values checked as the kernel checks a hot-added range before <c>add_memory()</c> takes
/// it: aligned to the memory block size (check_hotplug_memory_range()), below the addressable limit
/// (mhp_get_pluggable_range(): MAX_PHYSMEM_BITS, 46 with 4-level paging), not over existing RAM or another DIMM
/// (register_memory_resource() refuses a busy range), and within what the engine holds.
/// </summary>
internal static class DimmOptions
{
    public static List<Dimm> Parse(IEnumerable<string> values, BootLayout layout)
    {
        var dimms = new List<Dimm>();
        ulong next = HotplugMachine.QemuX86DimmBase(layout);
        ulong block = layout.MemoryBlockSize;
        ulong limit = 1UL << (layout.Arch == "arm64" ? 48 : KernelLimits.X86PhysmemBits4Level);
        ulong lowest = layout.Memblock.Count == 0 ? 0 : layout.Memblock.Min(r => r.Range.Start) << Page.Shift;
        foreach (string d in values)
        {
            string[] parts = d.Split('@');
            if (parts.Length > 2)
            {
                throw new ZoneLabInputException("--dimm " + d, "expected SIZE[@BASE], e.g. 1G@0x140000000");
            }
            ulong size = KernelNumber.ParseSize(parts[0], "--dimm");
            ulong b = parts.Length > 1 ? KernelNumber.ParseSize(parts[1], "--dimm") : next;
            if (size == 0 || size % block != 0 || b % block != 0)
            {
                throw new ZoneLabInputException("--dimm " + d, $"base and size must be non-zero multiples of the memory block size ({block >> 20} MiB), as check_hotplug_memory_range() requires");
            }
            if (b >= limit || size > limit - b)
            {
                throw new ZoneLabInputException("--dimm " + d, $"ends beyond the addressable range [0, 0x{limit:x}) (MAX_PHYSMEM_BITS {ulong.Log2(limit)}); mhp_get_pluggable_range() refuses it");
            }
            ulong end = b + size;
            foreach (Dimm o in dimms)
            {
                if (b < o.Base + o.Size && o.Base < end)
                {
                    throw new ZoneLabInputException("--dimm " + d, $"overlaps the DIMM at 0x{o.Base:x}; register_memory_resource() refuses a busy range");
                }
            }
            foreach (MemblockRegion r in layout.Memblock)
            {
                if (b >> Page.Shift < r.Range.End && r.Range.Start < end >> Page.Shift)
                {
                    throw new ZoneLabInputException("--dimm " + d, $"overlaps boot memory [0x{r.Range.Start << Page.Shift:x}-0x{(r.Range.End << Page.Shift) - 1:x}]; register_memory_resource() refuses a busy range");
                }
            }
            ulong top = Math.Max(end, layout.Memblock.Count == 0 ? 0 : layout.Memblock.Max(r => r.Range.End) << Page.Shift);
            if ((top - Math.Min(lowest, b)) >> Page.Shift > EngineLimits.MaxPages - Pageblock.MaxOrderNrPages)
            {
                throw new ZoneLabInputException("--dimm " + d, "puts the machine's page frames beyond 8 TiB (2^31 pages), more than the allocator engine models");
            }
            dimms.Add(new Dimm(b, size));
            next = end;
        }
        return dimms;
    }
}
