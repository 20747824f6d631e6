namespace ZoneLab.Allocator;

/// <summary>The free-block summary of a zone for one order (<c>struct contig_page_info</c>, mm/vmstat.c).</summary>
/// <param name="FreePages">Σ nr_free[k] &lt;&lt; k.</param>
/// <param name="FreeBlocksTotal">Σ nr_free[k].</param>
/// <param name="FreeBlocksSuitable">Σ_{k ≥ order} nr_free[k] &lt;&lt; (k - order).</param>
public readonly record struct ContigPageInfo(long FreePages, long FreeBlocksTotal, long FreeBlocksSuitable);

/// <summary>The kernel's fragmentation metrics (mm/vmstat.c), scaled by 1000 as the kernel computes them.</summary>
public static class FragmentationIndex
{
    /// <summary>mirrors <c>fill_contig_page_info</c> (all migratetypes, CMA included).</summary>
    public static ContigPageInfo Fill(Machine m, int zone, int order)
    {
        long pages = 0, total = 0, suitable = 0;
        for (int o = 0; o <= Pageblock.MaxOrder; o++)
        {
            long blocks = m.AreaNrFree(zone, o);
            total += blocks;
            pages += blocks << o;
            if (o >= order)
            {
                suitable += blocks << (o - order);
            }
        }

        return new ContigPageInfo(pages, total, suitable);
    }

    /// <summary>
    /// mirrors <c>__fragmentation_index</c>: 0 without free blocks, -1000 when a suitable block exists, else
    /// <c>1000 - (1000 + free_pages * 1000 / 2^order) / free_blocks_total</c>.
    /// </summary>
    public static int Fragmentation(int order, ContigPageInfo info)
    {
        long requested = 1L << order;
        if (info.FreeBlocksTotal == 0)
        {
            return 0;
        }

        if (info.FreeBlocksSuitable != 0)
        {
            return -1000;
        }

        return (int)(1000 - ((1000 + (info.FreePages * 1000 / requested)) / info.FreeBlocksTotal));
    }

    /// <summary>mirrors <c>unusable_free_index</c>: share of free memory (×1000) in blocks smaller than the order.</summary>
    public static int Unusable(int order, ContigPageInfo info)
    {
        if (info.FreePages == 0)
        {
            return 1000;
        }

        return (int)((info.FreePages - (info.FreeBlocksSuitable << order)) * 1000 / info.FreePages);
    }

    /// <summary>mirrors <c>fragmentation_index(zone, order)</c>.</summary>
    public static int Fragmentation(Machine m, int zone, int order) => Fragmentation(order, Fill(m, zone, order));

    /// <summary>mirrors <c>extfrag_for_order</c> (percent, used by proactive compaction).</summary>
    public static int ExtfragForOrder(Machine m, int zone, int order)
    {
        ContigPageInfo info = Fill(m, zone, order);
        return info.FreePages == 0 ? 0 : (int)((info.FreePages - (info.FreeBlocksSuitable << order)) * 100 / info.FreePages);
    }
}
