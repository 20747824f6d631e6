using ZoneLab.Allocator;

namespace ZoneLab.Oracle;

/// <content>
/// The guest helper's own allocation at every snapshot. After reading /proc/zoneinfo, zlguest opens the trace buffer
/// (<c>trace_counts</c>: fopen of tracefs' <c>trace</c>), reads it and closes it. 6.1's <c>tracing_open</c> →
/// <c>__tracing_open</c> → <c>__seq_open_private(file, ops, sizeof(struct trace_iterator))</c> allocates the
/// iterator with <c>kzalloc(GFP_KERNEL_ACCOUNT)</c>; the iterator holds two <c>struct trace_seq</c> (<c>tmp_seq</c>
/// and <c>seq</c>, each a <c>char buffer[PAGE_SIZE]</c> and its seq_buf), so it is larger than
/// KMALLOC_MAX_CACHE_SIZE (two pages with SLUB) and <c>kmalloc_large</c> takes it straight from the page allocator
/// as an unmovable order-2 page; <c>tracing_release</c> → <c>seq_release_private</c> → <c>kfree</c> →
/// <c>free_large_kmalloc</c> gives it back with <c>__free_pages</c>. That is the 4 pages of <c>pgalloc</c> and
/// <c>pgfree</c> every recorded step has beyond its workload (compaction-on-demand arm64: pgfree +4 in the
/// <c>anon</c>, <c>thin</c> (72000 + 4) and <c>hugepages</c> steps). Order 2 is a per-cpu list order
/// (<c>pcp_allowed_order</c>), so with the per-cpu lists modelled the free goes through
/// <c>free_unref_page_commit</c>, whose <c>free_high</c> (an order-1..3 free while <c>pcp-&gt;free_factor</c> is
/// non-zero, as after a step's bulk frees) returns the whole list to the buddy allocator: the kernel's list is 754
/// pages after <c>compact_memory</c> and 0 after the next step.
/// </content>
public sealed partial class OracleEngineRunner
{
    // get_order(sizeof(struct trace_iterator)): 2 × (PAGE_SIZE + 40) + ~200 bytes > 8 KiB, ≤ 16 KiB
    internal const int TraceIteratorOrder = 2;

    // The trace read that follows snapshot `step` in the guest (zlguest's snapshot(): buddyinfo, pagetypeinfo, vmstat,
    // meminfo, zoneinfo, then trace_counts), on the helper's CPU and node.
    private void GuestTraceRead(int step)
    {
        if (!File.Exists(_rec.PathOf($"step{step}.trace.txt")))
        {
            return; // a recording without the trace section: the helper never opened the trace file
        }

        AllocResult r = _m.Allocate(TraceIteratorOrder, Gfp.KernelAccount, 0, PageUse.Kernel);
        if (r.Success)
        {
            _m.Free(r.Pfn, TraceIteratorOrder);
        }
    }
}
