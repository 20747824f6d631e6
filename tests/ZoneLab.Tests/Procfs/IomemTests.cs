using System.Globalization;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Procfs;
using ZoneLab.Tests.Oracle;

namespace ZoneLab.Tests.Procfs;

/// <summary>
/// /proc/iomem from a layout (issue 13 item 9): the resource tree's kernel/resource.c rules on hand-derived cases, and
/// the RAM lines against real /proc/iomem files of recorded boots (x86 e820 + kernel image; arm64 memblock.memory,
/// kernel image and memblock.reserved).
/// </summary>
public class IomemTests
{
    // The small memblock_alloc() allocations of start_kernel() that the model does not place one by one sit top-down
    // under the end of a node's memory; inside that window real and model lines are compared by the bytes they cover.
    private const ulong SmallAllocationTolerance = 128UL << 10;

    [Fact]
    public void ReserveRegionWithSplitLeavesOutWhatKernelCodeAndDataHold()
    {
        // arm64 6.1, b-2G-cma256M: System RAM 0x40000000-0xbfffffff holds Kernel code 0x40210000-0x4185ffff and Kernel
        // data 0x41eb0000-0x4220ffff; memblock.reserved has the image 0x40210000..0x4220afff. __reserve_region_with_split:
        // conflict with code (starts at res->start) → res->start = 0x41860000; conflict with data (starts above) →
        // res->end = 0x41eaffff, and the data covers the rest (0x4220afff < 0x4220ffff), so no next_res.
        var root = IomemResource.NewIomemRoot();
        var ram = new IomemResource("System RAM", 0x40000000, 0xbfffffff);
        Assert.True(root.Request(ram));
        Assert.True(ram.Request(new IomemResource("Kernel code", 0x40210000, 0x4185ffff)));
        Assert.True(ram.Request(new IomemResource("Kernel data", 0x41eb0000, 0x4220ffff)));
        ram.ReserveRegionWithSplit(0x40210000, 0x4220afff, "reserved");
        Assert.Equal(
            "40000000-bfffffff : System RAM\n  40210000-4185ffff : Kernel code\n  41860000-41eaffff : reserved\n  41eb0000-4220ffff : Kernel data\n",
            IomemWriter.Write(root));
    }

    [Fact]
    public void ReserveRegionWithSplitAroundAChildMakesTwoResources()
    {
        // a child 0x2000-0x2fff inside the request 0x1000-0x4fff: res->end = 0x1fff, next_res 0x3000-0x4fff
        var root = new IomemResource("root", 0, 0xffff);
        Assert.True(root.Request(new IomemResource("child", 0x2000, 0x2fff)));
        root.ReserveRegionWithSplit(0x1000, 0x4fff, "reserved");
        Assert.Equal(new[] { (0x1000UL, 0x1fffUL), (0x2000UL, 0x2fffUL), (0x3000UL, 0x4fffUL) }, root.Children.Select(c => (c.Start, c.End)));
        // width 4 for a root ending below 0x10000 (r_show)
        Assert.StartsWith("1000-1fff : reserved\n", IomemWriter.Write(root));
    }

    [Fact]
    public void InsertNestsWhatTheNewResourceCoversAndRefusesPartialOverlap()
    {
        // x86 setup_arch inserts Kernel code before e820__reserve_resources inserts System RAM around it
        var root = IomemResource.NewIomemRoot();
        Assert.True(root.Insert(new IomemResource("Kernel code", 0x1000000, 0x1a01ab1)));
        Assert.True(root.Insert(new IomemResource("System RAM", 0x100000, 0x7ffdffff)));
        Assert.Equal("System RAM", root.Children.Single().Name);
        Assert.Equal("Kernel code", root.Children.Single().Children.Single().Name);
        // 0x7ff00000-0x80000fff straddles the end of System RAM: __insert_resource returns the partly overlapped entry
        Assert.False(root.Insert(new IomemResource("x", 0x7ff00000, 0x80000fff)));
        // expand-to-fit grows it over System RAM instead
        var grow = new IomemResource("Reserved", 0x7ff00000, 0x80000fff);
        root.InsertExpandToFit(grow);
        Assert.Equal((0x100000UL, 0x80000fffUL), (grow.Start, grow.End));
        Assert.Equal("System RAM", grow.Children.Single().Name);
    }

    public static TheoryData<string> X86Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (string dir in Directory.GetDirectories(FixturePath.Get("wmark"), "x86_64-*").Order(StringComparer.Ordinal))
        {
            // g3: a DIMM ACPI hot-adds after boot ("System RAM" 0x100000000-0x13fffffff); not in the boot layout
            if (File.Exists(Path.Combine(dir, "iomem.txt")) && !dir.EndsWith("g3-2G-dimm1G-online_movable", StringComparison.Ordinal))
            {
                data.Add(Path.GetFileName(dir));
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(X86Fixtures))]
    public void X86RamLinesMatchTheRealFile(string name)
    {
        string dir = FixturePath.Get("wmark", name);
        BootLayout layout = new LayoutBuilder().FromDmesg(Path.Combine(dir, "dmesg.txt")).Build();
        var notes = new List<string>();
        List<Line> model = Parse(IomemWriter.Write(IomemLayout.Build(layout, [], [], notes)));
        List<Line> real = Parse(File.ReadAllText(Path.Combine(dir, "iomem.txt")));
        if (!model.Any(l => l.Name.StartsWith("Kernel ", StringComparison.Ordinal)))
        {
            // a build whose image sections are not known (the stock 6.12 kernel): the model says so and prints none
            Assert.Contains(notes, n => n.Contains("not known", StringComparison.Ordinal));
            real = real.Where(l => !l.Name.StartsWith("Kernel ", StringComparison.Ordinal)).ToList();
        }
        Assert.Equal(real.Select(l => l.ToString()), model.Select(l => l.ToString()));
        Assert.Contains("System RAM", model.Select(l => l.Name));
    }

    [Theory]
    [MemberData(nameof(Arm64Fixture.Names), MemberType = typeof(Arm64Fixture))]
    public void Arm64RamLinesMatchTheRealFile(string name)
    {
        Arm64Fixture f = Arm64Fixture.Get(name);
        BootLayout layout = f.Layout();
        List<Line> model = Parse(IomemWriter.Write(IomemLayout.Build(layout, [], [], new List<string>())));
        List<Line> real = Parse(File.ReadAllText(f.File_("iomem.txt")));

        // System RAM (one per memblock.memory region: nodes, no-map pools split it), Kernel code/data and top-level
        // "reserved" (no-map) lines: exactly
        Assert.Equal(real.Where(l => l.Depth == 0 || l.Name != "reserved").Select(l => l.ToString()),
            model.Where(l => l.Depth == 0 || l.Name != "reserved").Select(l => l.ToString()));

        // reserved children: exactly, except in each System RAM resource's small-allocation window: the model's
        // reserved lines under 2 MiB other than the initrd and the blob QEMU puts in the next 2 MiB (fixed placements),
        // widened downwards by the tolerance (the real cluster holds up to that much more)
        (ulong initrd, ulong initrdSize) = layout.Initrd ?? (0UL, 0UL);
        bool Fixed(Line l) => initrdSize > 0 && l.Start >= (initrd & ~0xfffUL) && l.Start < initrd + initrdSize + (4UL << 20);
        foreach (Line ram in model.Where(l => l.Depth == 0 && l.Name == "System RAM"))
        {
            List<Line> modelRes = Children(model, ram);
            List<Line> realRes = Children(real, ram);
            var small = modelRes.Where(l => l.Size < (2UL << 20) && !Fixed(l)).ToList();
            ulong wStart = small.Count > 0 ? small.Min(l => l.Start) - Math.Min(small.Min(l => l.Start), SmallAllocationTolerance) : ulong.MaxValue;
            ulong wEnd = small.Count > 0 ? small.Max(l => l.End) : 0;
            bool InWindow(Line l) => l.End >= wStart && l.Start <= wEnd;
            Assert.Equal(realRes.Where(l => !InWindow(l)).Select(l => l.ToString()), modelRes.Where(l => !InWindow(l)).Select(l => l.ToString()));
            if (small.Count > 0)
            {
                var realWin = realRes.Where(InWindow).ToList();
                Assert.True(realWin.Count > 0, $"{ram}: the real file has no reserved line in the window [{wStart:x}, {wEnd:x}]");
                // the cluster ends where the model's does (memblock allocates top-down from the same limit)
                Assert.Equal(wEnd, realWin.Max(l => l.End));
                ulong realBytes = (ulong)realWin.Sum(l => (long)l.Size), modelBytes = (ulong)modelRes.Where(InWindow).Sum(l => (long)l.Size);
                ulong diff = realBytes > modelBytes ? realBytes - modelBytes : modelBytes - realBytes;
                Assert.True(diff <= SmallAllocationTolerance, $"{ram}: small allocations cover {realBytes:x} bytes in the real file, {modelBytes:x} in the model");
            }
        }
    }

    [Fact]
    public void DmbDesignSplitsSystemRamAtItsBlocksAndKeepsThemReserved()
    {
        // arm64 2 GiB QEMU virt with the DMB series and movablecore=256M@0x80000000. dmb_reserve() →
        // memblock_mark_movable() isolates [0x80000000, 0x90000000) in memblock.memory, so request_standard_resources()
        // registers three System RAM resources; cmdline_parse_core() memblock_reserve()s the block and
        // init_reserved_pageblock() never frees it from memblock, so reserve_memblock_reserved_regions() shows it whole
        // as "reserved" under the middle one (cma=0: no default area, which the dmb design would also turn into a DMB).
        BootLayout layout = new LayoutBuilder().ForArm64(2UL << 30).WithFeatures(DesignRegistry.For(DesignKind.Dmb).Features)
            .WithCommandLine("cma=0 movablecore=256M@0x80000000").Build();
        string text = IomemWriter.Write(IomemLayout.Build(layout, [], DmbDesign.Blocks(layout), new List<string>()));
        List<Line> top = Parse(text).Where(l => l.Depth == 0).ToList();
        Assert.Equal(new[] { "40000000-7fffffff : System RAM", "80000000-8fffffff : System RAM", "90000000-bfffffff : System RAM" },
            top.Select(l => l.ToString()));
        Assert.Contains("  80000000-8fffffff : reserved", text.Split('\n'));
    }

    [Fact]
    public void CarveoutIsATopLevelNoMapReservation()
    {
        // cma=64M@0x80000000 as a carve-out: memblock_mark_nomap() splits memblock.memory and the region is not in
        // memblock.reserved, so request_standard_resources() names it "reserved" at the top level with no children
        BootLayout layout = new LayoutBuilder().ForArm64(2UL << 30).WithCommandLine("cma=64M@0x80000000").Build();
        var carve = DesignZones.CmaRanges(layout);
        Assert.Equal(new PfnRange(0x80000, 0x84000), Assert.Single(carve));
        List<Line> lines = Parse(IomemWriter.Write(IomemLayout.Build(layout, carve, [], new List<string>())));
        Assert.Equal(new[] { "40000000-7fffffff : System RAM", "80000000-83ffffff : reserved", "84000000-bfffffff : System RAM" },
            lines.Where(l => l.Depth == 0).Select(l => l.ToString()));
        Line nomap = lines.Single(l => l.Depth == 0 && l.Name == "reserved");
        Assert.Empty(Children(lines, nomap));
    }

    [Fact]
    public void X86WithoutNokaslrHasNoKernelLines()
    {
        BootLayout layout = new LayoutBuilder().FromQemu(2UL << 30).WithCommandLine("console=ttyS0").Build();
        var notes = new List<string>();
        string text = IomemWriter.Write(IomemLayout.Build(layout, [], [], notes));
        Assert.DoesNotContain("Kernel code", text);
        Assert.Contains(notes, n => n.Contains("KASLR", StringComparison.Ordinal));
        // QEMU pc 2 GiB: e820 RAM [0x100000, 0x7ffe0000) → "00100000-7ffdffff : System RAM"
        Assert.Contains("00100000-7ffdffff : System RAM", text.Split('\n'));
    }

    private static List<Line> Children(List<Line> lines, Line parent) =>
        lines.Where(l => l.Depth == parent.Depth + 1 && l.Start >= parent.Start && l.End <= parent.End).ToList();

    // The lines of a /proc/iomem text whose names the model produces, each with its depth among such lines (a real
    // e820 "Reserved" can sit inside a PCI window the model does not have).
    private static List<Line> Parse(string text)
    {
        var all = new List<(int Depth, ulong Start, ulong End, string Name)>();
        foreach (string raw in text.Split('\n'))
        {
            if (raw.Length == 0)
            {
                continue;
            }
            int depth = (raw.Length - raw.TrimStart(' ').Length) / 2;
            string l = raw.Trim();
            int colon = l.IndexOf(" : ", StringComparison.Ordinal);
            string[] range = l[..colon].Split('-');
            all.Add((depth, ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), l[(colon + 3)..]));
        }
        var result = new List<Line>();
        var stack = new List<(int Depth, bool Modelled)>();
        foreach ((int depth, ulong start, ulong end, string name) in all)
        {
            while (stack.Count > 0 && stack[^1].Depth >= depth)
            {
                stack.RemoveAt(stack.Count - 1);
            }
            bool modelled = IomemLayout.ModelledNames.Contains(name);
            if (modelled)
            {
                result.Add(new Line(stack.Count(s => s.Modelled), start, end, name));
            }
            stack.Add((depth, modelled));
        }
        return result;
    }

    private readonly record struct Line(int Depth, ulong Start, ulong End, string Name)
    {
        public ulong Size => End - Start + 1;

        public override string ToString() => $"{new string(' ', Depth * 2)}{Start:x8}-{End:x8} : {Name}";
    }
}
