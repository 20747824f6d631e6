using CsCheck;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Numa;

/// <summary>numa=fake= (arch/x86/mm/numa_emulation.c, 6.1) worked by hand; the real boots are x41-x44 of the x86 fixtures.</summary>
public class NumaEmulationTests
{
    // memblock.memory of a QEMU pc 4G guest: [0x1000, 0x9f000), [0x100000, 0xbffe0000), [4G, 5G)
    private static readonly (ulong S, ulong E)[] s_pc4g = [(0x1, 0x9f), (0x100, 0xbffe0), (0x100000, 0x140000)];

    [Fact]
    public void TwoNodesWorkedByHand()
    {
        // max_addr 5G; present = 0x9e000 + 0xbfee0000 + 0x40000000 = 0xfff7e000 bytes; size = PFN_PHYS(0xfff7e / 2)
        // = 0x7ffbf000; big = (0x7ffbf000 & 0x1ffffff) * 2 / 32M = 0x3f7e000 / 0x2000000 = 1; size &= ~(32M-1) =
        // 0x7e000000. Node 0 (nid 0 < big): end = 0x7e000000 + 32M = 0x80000000, which holds 0x7ff9e000 >= size of RAM;
        // below 4G the rest holds 0x3ffe0000 >= 32M and the physical block's rest 0x7ffe0000 >= size: no extension.
        // Node 1: end = 0x80000000 + size = 0xfe000000 holds only 0x3ffe0000: grows by 32M until the limit 5G.
        var log = new List<string>();
        NumaEmulation.Result r = NumaEmulation.Apply("2", [new NumaMemBlock(0, 0x140000000, 0)], s_pc4g, 0x140000, [0], log)!;
        Assert.Equal([new NumaMemBlock(0, 0x80000000, 0), new NumaMemBlock(0x80000000, 0x140000000, 1)], r.Blocks);
        Assert.Equal(["Faking node 0 at [mem 0x0000000000000000-0x000000007fffffff] (2048MB)",
            "Faking node 1 at [mem 0x0000000080000000-0x000000013fffffff] (3072MB)"], log);
        Assert.Equal(10, r.Topology.Distance(0, 1)); // both on physical node 0: LOCAL_DISTANCE (numa_dist_cnt 0)
    }

    [Fact]
    public void DistanceTailNeedsACommaAfterEachValue()
    {
        // "2:10,25,25,10": get_option() returns 2 for 10, 25, 25 (each followed by ',') and 1 for the last 10, which
        // is therefore not used: node_distance(1,1) falls back to LOCAL_DISTANCE (same physical node) = 10 anyway;
        // use 15 last to see it ignored.
        NumaEmulation.Result r = NumaEmulation.Apply("2:10,25,25,15", [new NumaMemBlock(0, 0x140000000, 0)], s_pc4g, 0x140000, [0], [])!;
        Assert.Equal(25, r.Topology.Distance(0, 1));
        Assert.Equal(25, r.Topology.Distance(1, 0));
        Assert.Equal(10, r.Topology.Distance(1, 1));
    }

    [Fact]
    public void TooSmallSizeIsRaisedAndLowerCaseMIsANodeCount()
    {
        var log = new List<string>();
        NumaEmulation.Result r = NumaEmulation.Apply("16M", [new NumaMemBlock(0, 0x140000000, 0)], s_pc4g, 0x140000, [0], log)!;
        // min_size = ALIGN(max(0xfff7e pages / 1024 pages... = 4 MiB, 32M), 32M) = 32M
        Assert.Equal("Fake node size 16MB too small, increasing to 32MB", log[0]);
        Assert.All(r.Blocks, b => Assert.True(b.End - b.Start >= NumaEmulation.FakeNodeMinSize));
        // strchr(emu_cmdline, 'M') is case-sensitive: "768m" is simple_strtoul = 768 nodes of ~5 MiB: too small
        var log2 = new List<string>();
        Assert.Null(NumaEmulation.Apply("768m", [new NumaMemBlock(0, 0x140000000, 0)], s_pc4g, 0x140000, [0], log2));
        Assert.Equal(["Not enough memory for each node.  NUMA emulation disabled."], log2);
    }

    [Fact]
    public void LayoutFromQemuPrintsFourNodesAsTheRealBoot()
    {
        // x42: pc 4G numa=fake=4 printed these node ranges (tests/ZoneLab.Tests/Fixtures/x86_64-6.1/x42-pc-4g-numa-fake-4)
        BootLayout layout = new LayoutBuilder().FromQemu(4UL << 30, QemuMachineType.Pc, null).WithCommandLine("numa=fake=4").Build();
        Assert.Equal([0, 1, 2, 3], layout.Nodes.Select(n => n.Nid));
        string dmesg = LayoutDmesgWriter.Write(layout);
        Assert.Contains("  node   2: [mem 0x0000000080000000-0x00000000bffdffff]\n", dmesg, StringComparison.Ordinal);
        Assert.Contains("  node   3: [mem 0x0000000100000000-0x000000013fffffff]\n", dmesg, StringComparison.Ordinal);
    }

    [Fact]
    public void AnyCommandTerminatesWithValidNodes()
    {
        Gen.Select(Gen.String[Gen.Char["0123456789MGUmxk:,-"], 0, 12], Gen.Int[1, 3]).Sample((cmd, phys) =>
        {
            var blocks = phys == 1 ? new[] { new NumaMemBlock(0, 0x140000000, 0) }
                : [new NumaMemBlock(0, 0x40000000, 0), new NumaMemBlock(0x40000000, 0x140000000, 1)];
            NumaEmulation.Result? r = NumaEmulation.Apply(cmd, blocks, s_pc4g, 0x140000, blocks.Select(b => b.Nid).ToArray(), []);
            if (r != null)
            {
                ulong covered = r.Blocks.Aggregate(0UL, (a, b) => a + (b.End - b.Start));
                Assert.Equal(0x140000000UL, covered);
            }
        }, iter: 300);
    }
}
