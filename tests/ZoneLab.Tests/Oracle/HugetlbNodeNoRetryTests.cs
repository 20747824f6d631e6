using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// nr_hugepages on two nodes: 6.1's set_max_huge_pages hands alloc_pool_huge_page a node_alloc_noretry mask, and
/// alloc_buddy_huge_page (mm/hugetlb.c) drops __GFP_RETRY_MAYFAIL on a node whose previous attempt failed, until an
/// attempt there succeeds again.
/// </summary>
public class HugetlbNodeNoRetryTests
{
    [Fact]
    public void ANodeThatFailedIsNotTriedHardAgainUntilItSucceeds()
    {
        // the numa-two-nodes x86_64 guest (2 x 384 MiB); 450 MiB of anonymous memory fills node 0 and spills to node 1,
        // then a pool of 760 MiB, more than is free: node 0 runs out first while node 1 still gives pages
        string dir = Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings", "numa-two-nodes", "x86_64");
        OracleRecording rec = OracleRecording.Read(OracleCompare.Runs(dir)[0]);
        const string Yaml = "description: noretry\nmachine: {mem: 768M, numa: [384M, 384M]}\nsteps:\n"
            + "  - anon: {name: a, size: 450M}\n  - hugepages: 380\n";
        OracleWorkload w = OracleWorkloadLoader.Load(Yaml, "test", "noretry");
        using OracleEngineRunner e = OracleEngineRunner.Run(w, rec);
        List<(int Node, bool TryHard, bool Success)> a = e.HugetlbAttempts;

        // the rule, from alloc_buddy_huge_page: an attempt tries hard unless the node's bit is set; the bit is set by
        // a failed try-hard attempt and cleared by a success without trying hard, so it is set exactly when the
        // node's previous attempt of this write failed (nodes_clear at the start of set_max_huge_pages)
        var lastFailed = new Dictionary<int, bool>();
        foreach ((int node, bool tryHard, bool success) in a)
        {
            Assert.Equal(!lastFailed.GetValueOrDefault(node), tryHard);
            lastFailed[node] = !success;
        }

        // for_each_node_mask_to_alloc: node 1 is tried after node 0 fails, in the same alloc_pool_huge_page, and the
        // next page starts again on node 0, which is then tried without __GFP_RETRY_MAYFAIL
        Assert.Contains(a, x => !x.TryHard);
        Assert.Contains(a, x => x.Node == 1 && x.Success);

        // set_max_huge_pages stops at the first alloc_pool_huge_page that found no node: the last two attempts failed
        Assert.False(a[^1].Success);
        Assert.False(a[^2].Success);
        Assert.NotEqual(a[^1].Node, a[^2].Node);
    }
}
