namespace ZoneLab.Workloads.Trace;

/// <summary>How <see cref="TraceAllocationTracker"/> matched an <c>mm_page_free</c> to what the trace allocated.</summary>
public enum TraceFreeMatch : byte
{
    /// <summary>Not a free.</summary>
    None,

    /// <summary>The free is the whole allocation: its pfn is the allocation's head and its order the allocation's order.</summary>
    Whole,

    /// <summary>
    /// The free is part of a live allocation (<c>split_page()</c> users, or <c>__free_pages()</c> of a non-compound
    /// block whose head is still referenced, which frees the tail halves); the allocation ends with its last page.
    /// </summary>
    Part,

    /// <summary>Inside a range that <c>cma_alloc</c> handed out (<c>cma_release()</c> frees page by page before its event).</summary>
    Cma,

    /// <summary>No allocation of the trace contains the block: it was allocated before tracing started.</summary>
    PreExisting,
}
