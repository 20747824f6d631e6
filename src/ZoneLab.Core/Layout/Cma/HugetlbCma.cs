namespace ZoneLab.Layout;

/// <summary>
/// mm/hugetlb.c hugetlb_cma_reserve(order) (6.1): areas "hugetlb&lt;nid&gt;" for gigantic pages, spread over the
/// online nodes or sized per node, each aligned to PAGE_SIZE &lt;&lt; HUGETLB_PAGE_ORDER (2 MiB, not 1 GiB) with
/// order_per_bit HUGETLB_PAGE_ORDER.
/// </summary>
public static class HugetlbCma
{
    /// <summary>HUGETLB_PAGE_ORDER with 4 KiB pages (PMD-sized huge pages).</summary>
    public const int HugetlbPageOrder = 9;

    /// <summary>Reserves the areas; <paramref name="order"/> is the gigantic page order (PUD: 18).</summary>
    public static void Reserve(CmaDeclaration cma, CmaParameters p, IReadOnlyList<int> onlineNodes, int order)
    {
        ulong total = p.HugetlbCmaSize;
        if (total == 0)
        {
            return;
        }
        ulong minSize = Page.Size << order;
        var perNode = new Dictionary<int, ulong>(p.HugetlbCmaSizeInNode);
        bool nodeSpecific = false;
        foreach (int nid in perNode.Keys.OrderBy(n => n).ToList())
        {
            ulong sz = perNode[nid];
            if (sz == 0)
            {
                continue;
            }
            if (!onlineNodes.Contains(nid))
            {
                cma.Log.Print($"hugetlb_cma: invalid node {nid} specified");
                total -= sz;
                perNode[nid] = 0;
                continue;
            }
            if (sz < minSize)
            {
                cma.Log.Print($"hugetlb_cma: cma area of node {nid} should be at least {minSize >> 20} MiB");
                total -= sz;
                perNode[nid] = 0;
            }
            else
            {
                nodeSpecific = true;
            }
        }
        if (total == 0)
        {
            return;
        }
        if (total < minSize)
        {
            cma.Log.Print($"hugetlb_cma: cma area should be at least {minSize >> 20} MiB");
            return;
        }
        ulong per = 0;
        if (!nodeSpecific)
        {
            // If 3 GB area is requested on a machine with 4 numa nodes, allocate 1 GB on the first three nodes.
            per = (total + (ulong)onlineNodes.Count - 1) / (ulong)onlineNodes.Count;
            per = RoundUp(per, minSize);
            cma.Log.Print($"hugetlb_cma: reserve {total >> 20} MiB, up to {per >> 20} MiB per node");
        }

        ulong reserved = 0;
        foreach (int nid in onlineNodes)
        {
            ulong size;
            if (nodeSpecific)
            {
                if (perNode.GetValueOrDefault(nid) == 0)
                {
                    continue;
                }
                size = perNode[nid];
            }
            else
            {
                size = Math.Min(per, total - reserved);
            }
            size = RoundUp(size, minSize);
            int res = cma.DeclareContiguousNid(0, size, 0, Page.Size << HugetlbPageOrder, HugetlbPageOrder, false,
                $"hugetlb{nid}", nid, CmaAreaKind.Hugetlb, out _);
            if (res != 0)
            {
                cma.Log.Print($"hugetlb_cma: reservation failed: err {res}, node {nid}");
                continue;
            }
            reserved += size;
            cma.Log.Print($"hugetlb_cma: reserved {size >> 20} MiB on node {nid}");
            if (reserved >= total)
            {
                break;
            }
        }
    }

    private static ulong RoundUp(ulong v, ulong a) => (v + a - 1) / a * a;
}
