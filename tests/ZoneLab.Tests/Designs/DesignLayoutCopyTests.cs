using System.Collections;
using System.Reflection;
using ZoneLab.Designs;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Designs;

/// <summary>
/// A design's layout (<see cref="DesignZones.WithZones"/>, what <c>zonelab layout --design</c> prints and the design
/// machine keeps) is the mainline layout with its zones, configured zone types and memory blocks replaced: every other
/// property is the mainline one. Before, the copy was written property by property and lost the kernel version, the
/// NUMA extents, the memoryless nodes, the kernel text and the retained memblock reservations, so a design's
/// <c>--format dmesg</c> printed another kernel's lines.
/// </summary>
public class DesignLayoutCopyTests
{
    // the properties a design replaces; EqualityContract is the record's own
    private static readonly string[] s_replaced = ["Nodes", "ZoneTypesConfigured", "MemoryBlocks", "EqualityContract"];

    private static readonly string[] s_names = ["x86-memoryless", "arm64-cma", "x86-memmap-mirror", "arm64-rpi4"];

    public static TheoryData<string> Layouts => [.. s_names];

    private static BootLayout Mainline(string name) => name switch
    {
        // a real 5.0 boot with CPU-only SRAT nodes: kernel version, NUMA extents, memoryless nodes from the log
        "x86-memoryless" => new LayoutBuilder().FromDmesg(FixturePath.Get("real-x86", "hpe-dl325-epyc-5.0-memoryless", "dmesg.txt")).Build(),
        // QEMU virt with a CMA area: memblock allocator state, kernel text, retained reservations, memmap, CMA areas
        "arm64-cma" => new LayoutBuilder().ForArm64(4UL << 30).WithExtraArgs(["cma=256M"]).Build(),
        // a user-defined e820 map (memmap=) and a kernel message (kernelcore=mirror with memory below 4 GiB not mirrored)
        "x86-memmap-mirror" => new LayoutBuilder().FromQemu(4UL << 30).WithExtraArgs(["memmap=64M$0x80000000", "kernelcore=mirror"])
            .WithMirror([(0x100000000UL, 0x140000000UL)]).Build(),
        // a real board's device tree with /reserved-memory nodes (its bootloader fills /memory in: 4 GiB given)
        "arm64-rpi4" => new LayoutBuilder().ForArm64(4UL << 30, null, Path.Combine(AppContext.BaseDirectory, "Fixtures", "dtb", "bcm2711-rpi-4-b.dtb")).Build(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void EveryOtherPropertyIsTheMainlineOne(string name)
    {
        BootLayout mainline = Mainline(name);
        BootLayout design = DesignZones.WithZones(mainline, DesignZones.Unmanaged(mainline, []));
        foreach (PropertyInfo p in Properties())
        {
            Assert.True(Equals(p.GetValue(mainline), p.GetValue(design)), $"{p.Name} of the design layout is not the mainline layout's");
        }
    }

    [Fact]
    public void EachPropertyIsSetInSomeTestedLayout()
    {
        // the check above means nothing for a property that is empty in both inputs: a new property needs an input
        // that sets it
        BootLayout[] layouts = [.. s_names.Select(Mainline)];
        string[] unset = [.. Properties().Where(p => layouts.All(l => IsDefault(p.GetValue(l)))).Select(p => p.Name)];
        Assert.Empty(unset);
    }

    private static IEnumerable<PropertyInfo> Properties() =>
        typeof(BootLayout).GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(p => p.SetMethod != null && !s_replaced.Contains(p.Name)); // stored ones (TotalPages, AllZones derive from Nodes)

    private static bool IsDefault(object? v) => v switch
    {
        null => true,
        bool b => !b,
        ulong u => u == 0,
        string s => s.Length == 0,
        ICollection c => c.Count == 0,
        IEnumerable e => !e.GetEnumerator().MoveNext(),
        _ => false,
    };
}
