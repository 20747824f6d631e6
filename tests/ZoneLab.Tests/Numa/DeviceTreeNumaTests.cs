using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Layout.Arm64;
using ZoneLab.Tests.Oracle;
using ZoneLab.Workloads;

namespace ZoneLab.Tests.Numa;

/// <summary>
/// A device tree with numa-node-id and a numa-distance-map-v1 node (drivers/of/of_numa.c of 6.1), and the
/// stb-dual-memc variant that describes the same board.
/// </summary>
public class DeviceTreeNumaTests
{
    private static BootLayout FromDtb(string name) => new LayoutBuilder().ForArm64(null, null, FixturePath.Get("dtb", name)).Build();

    [Fact]
    public void TwoNodeBoardHasOnePgdatPerController()
    {
        BootLayout layout = FromDtb("bcm7278-two-node.dtb");
        // node 0 = MEMC0 [0x40000000, 0x80000000): below arm64's 4 GiB DMA limit, all ZONE_DMA: pfns [0x40000, 0x80000)
        // node 1 = MEMC1 [0x300000000, 0x340000000): all ZONE_NORMAL: pfns [0x300000, 0x340000)
        Assert.Equal([0, 1], layout.Nodes.Select(n => n.Nid));
        ZoneLayout dma = layout.Node(0)!.Zones.Single(z => z.Present > 0);
        ZoneLayout normal = layout.Node(1)!.Zones.Single(z => z.Present > 0);
        Assert.Equal((ZoneType.Dma, 0x40000UL, 0x40000UL), (dma.Type, dma.StartPfn, dma.Spanned));
        Assert.Equal((ZoneType.Normal, 0x300000UL, 0x40000UL), (normal.Type, normal.StartPfn, normal.Spanned));
        Assert.Equal(20, layout.Numa.Distance(0, 1));
        Assert.Equal(20, layout.Numa.Distance(1, 0)); // "Set default distance of node B->A same as A->B"
        Assert.Contains("OF: NUMA: parsing numa-distance-map-v1", layout.Log.Lines.Select(l => l.Text));

        var machine = new Machine(LayoutMachineSpec.Create(layout));
        Assert.Equal([0, 1], machine.FallbackNodes(0));
        Assert.Equal([1, 0], machine.FallbackNodes(1));
    }

    [Fact]
    public void InvalidDistanceMakesOneFakedNode()
    {
        BootLayout layout = FromDtb("bcm7278-two-node-bad-distance.dtb");
        var text = layout.Log.Lines.Select(l => l.Text).ToList();
        Assert.Contains("OF: NUMA: Invalid distance[node0 -> node1] = 10", text);
        Assert.Contains(text, t => t.StartsWith("NUMA: Faking a node at [mem 0x0000000040000000-0x000000033fffffff]", StringComparison.Ordinal));
        Assert.Equal([0], layout.Nodes.Select(n => n.Nid));
    }

    [Fact]
    public void ScenarioVariantDescribesTheSameBoard()
    {
        string path = RepoFiles.Find("scenarios/stb-dual-memc.yaml")!;
        Scenario s = ScenarioLoader.LoadFile(path);
        ScenarioVariant v = s.Variants.Single(x => x.NumaPerController);
        BootLayout fromScenario = v.Apply(s).Machine.ToLayoutBuilder().Build();
        BootLayout fromDtb = FromDtb("bcm7278-two-node.dtb");
        Assert.Equal(Zones(fromDtb), Zones(fromScenario));
        Assert.Equal(fromDtb.Numa.Distance(0, 1), fromScenario.Numa.Distance(0, 1));

        static List<string> Zones(BootLayout l) => l.AllZones.Where(z => z.Spanned > 0).Select(z => $"{z.Nid}/{z.Name} {z.StartPfn:x} {z.Spanned} {z.Present}").ToList();
    }

    [Fact]
    public void NumaVariantNeedsControllersAroundEveryRange()
    {
        const string yaml = """
            name: t
            machine:
              memory: [1G@0x40000000, 1G@0x300000000]
              memory_controllers:
                - {name: memc0, ranges: [512M@0x40000000], bandwidth: 8GB/s}
            variants:
              - {name: n, design: migrate-cma, numa: controllers}
            phases:
              - name: p
                duration: 1s
                actors:
                  - {type: anon, rate: 1MiB/s}
            """;
        var e = Assert.Throws<ZoneLabInputException>(() => ScenarioLoader.Load(yaml, "t.yaml", null, "t"));
        Assert.Contains("variants[0].numa", e.Message, StringComparison.Ordinal);
        Assert.Contains("not inside one memory controller", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>of_numa_parse_distance_map_v1() on arbitrary triples: never throws, keeps the table's invariants.</summary>
public class DistanceMapFuzzTests
{
    [Fact]
    public void AnyMatrixLeavesAValidTable()
    {
        Gen.Select(Gen.UInt[0, 5], Gen.UInt[0, 5], Gen.UInt[0, 300]).Array[0, 12].Sample(triples =>
        {
            var table = new int[4, 4];
            for (int i = 0; i < 4; i++)
            {
                for (int j = 0; j < 4; j++)
                {
                    table[i, j] = i == j ? 10 : 20;
                }
            }
            var log = new BootLog();
            bool ok = OfNumaDistanceMap.Apply([.. triples.Select(t => (t.Item1, t.Item2, t.Item3))], table, 4, log);
            // a valid map never sets the diagonal to anything but 10, and an entry is a u8 above 10 (or the default 20)
            for (int i = 0; i < 4; i++)
            {
                Assert.Equal(10, table[i, i]);
                for (int j = 0; j < 4; j++)
                {
                    Assert.InRange(table[i, j], 10, 255);
                }
            }
            Assert.Equal(triples.Length > 0 && triples.All(t => t.Item1 == t.Item2 ? t.Item3 == 10 : t.Item3 > 10), ok);
        }, iter: 500);
    }
}
