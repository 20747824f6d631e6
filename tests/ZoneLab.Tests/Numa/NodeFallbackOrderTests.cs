using System.Text.RegularExpressions;
using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Tests.Oracle;

namespace ZoneLab.Tests.Numa;

/// <summary>
/// build_zonelists()'s node order against the "Fallback order for Node N" lines real Debian 6.1 kernels printed,
/// and find_next_best_node() worked by hand.
/// </summary>
public class NodeFallbackOrderTests
{
    public static TheoryData<string> MultiNodeFixtures()
    {
        var d = new TheoryData<string>();
        foreach (string n in MultiNodeNames())
        {
            d.Add(n);
        }
        return d;
    }

    private static List<string> MultiNodeNames() => OracleFixture.All()
        .Where(f => f.DmesgLines.Any(l => l.Contains("Fallback order for Node 1:", StringComparison.Ordinal)))
        .Select(f => f.Name).ToList();

    [Theory]
    [MemberData(nameof(MultiNodeFixtures))]
    public void EngineNodeOrderIsTheRealKernels(string name)
    {
        OracleFixture f = OracleFixture.Get(name);
        var real = f.DmesgLines.Select(l => Regex.Match(l, @"(Fallback order for Node \d+: .*)$")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        BootLayout layout = new LayoutBuilder().FromDmesg(f.DmesgPath).Build();
        var machine = new Machine(LayoutMachineSpec.Create(layout));
        var model = Enumerable.Range(0, machine.NodeCount).Select(n => NodeFallbackOrder.Line(n, machine.FallbackNodes(n))).ToList();
        Assert.Equal(real, model);
    }

    [Fact]
    public void TheFourRealOrdersAreCoveredIncludingTheUniformSplit()
    {
        // the fixtures that pin the rotation: x15 (4 SRAT nodes, CPUs on node 0), x42 (numa=fake=4), x43 (fake=2U:
        // nodes 0,1 at LOCAL_DISTANCE from each other)
        Assert.Contains("x15-pc-8g-numa-512m-1536m-2g-4g-kernelcore-2g", MultiNodeNames());
        Assert.Contains("x42-pc-4g-numa-fake-4", MultiNodeNames());
        Assert.Contains("x43-pc-4g-numa-1g-3g-numa-fake-2u", MultiNodeNames());
    }

    [Fact]
    public void UniformSplitOrderWorkedByHand()
    {
        // numa=fake=2U on two physical nodes: emulated 0,1 on physical 0, 2,3 on physical 1; no SLIT, so distance 10
        // within a physical node and 20 across; no node has CPUs yet at boot. N = MAX_NUMNODES, load starts at 0.
        // Node 0: 0; 1 = 10N (d(0,1) == d(0,0): no load); 2 = 20N ties 3 -> 2, load[2]=1; 3.   => 0 1 2 3
        // Node 1: 1; 0 = (10+1)N; 3 = 20N beats 2 = 20N+1 -> load[3]=1; 2.                      => 1 0 3 2
        // Node 2: 2; 3 = 10N; 0 = 21N ties 1 = 21N -> 0, load[0]=1; 1.                           => 2 3 0 1
        // Node 3: 3; 2 = 11N; 1 = 21N beats 0 = 21N+1 -> load[1]=1; 0.                           => 3 2 1 0
        // (the real x43 boot printed exactly these four lines)
        var d = new int[4, 4];
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                d[i, j] = i / 2 == j / 2 ? 10 : 20;
            }
        }
        var topo = new NumaTopology(d, [false, false, false, false], "test");
        int[][] order = NodeFallbackOrder.Build(4, _ => true, topo);
        Assert.Equal([0, 1, 2, 3], order[0]);
        Assert.Equal([1, 0, 3, 2], order[1]);
        Assert.Equal([2, 3, 0, 1], order[2]);
        Assert.Equal([3, 2, 1, 0], order[3]);
    }

    [Fact]
    public void DistanceMapDecidesTheOrder()
    {
        // three nodes, node 2 closer to node 0 (15) than node 1 (30), no CPUs anywhere: node 0 takes 2 before 1.
        var d = new int[,] { { 10, 30, 15 }, { 30, 10, 30 }, { 15, 30, 10 } };
        int[][] order = NodeFallbackOrder.Build(3, _ => true, new NumaTopology(d, [false, false, false], "test"));
        Assert.Equal([0, 2, 1], order[0]);
        // node 1: 0 = (30+1)N + 0 vs 2 = 30N + load[2] (node 0 put load 1 on node 2: first of the 15 group) -> 30N+1 < 31N
        Assert.Equal([1, 2, 0], order[1]);
    }
}
