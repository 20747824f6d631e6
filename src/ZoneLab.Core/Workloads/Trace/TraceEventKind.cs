namespace ZoneLab.Workloads.Trace;

/// <summary>
/// The page-allocator and CMA tracepoints the trace reader understands (include/trace/events/kmem.h and
/// include/trace/events/cma.h of Linux 6.1).
/// </summary>
public enum TraceEventKind : byte
{
    /// <summary><c>kmem:mm_page_alloc</c>: end of <c>__alloc_pages()</c>, also on failure (then the page is NULL).</summary>
    PageAlloc,

    /// <summary><c>kmem:mm_page_free</c>: <c>free_pages_prepare()</c>, every free of a block of 2^order pages.</summary>
    PageFree,

    /// <summary>
    /// <c>kmem:mm_page_free_batched</c>: <c>free_unref_page_list()</c>; the same page also had an
    /// <c>mm_page_free</c>, so this is a marker, not a second free.
    /// </summary>
    PageFreeBatched,

    /// <summary><c>kmem:mm_page_alloc_zone_locked</c>: <c>__rmqueue_smallest()</c> took a block off a free list.</summary>
    PageAllocZoneLocked,

    /// <summary><c>kmem:mm_page_pcpu_drain</c>: <c>free_pcppages_bulk()</c> returned a page from a per-cpu list.</summary>
    PagePcpuDrain,

    /// <summary><c>kmem:mm_page_alloc_extfrag</c>: <c>__rmqueue_fallback()</c> stole from another migratetype.</summary>
    PageAllocExtfrag,

    /// <summary><c>cma:cma_alloc_start</c>: <c>cma_alloc()</c> was asked for <c>count</c> pages.</summary>
    CmaAllocStart,

    /// <summary><c>cma:cma_alloc_finish</c> (<c>cma:cma_alloc</c> before 5.13): <c>cma_alloc()</c> returns (page NULL on failure).</summary>
    CmaAllocFinish,

    /// <summary><c>cma:cma_alloc_busy_retry</c>: <c>alloc_contig_range()</c> returned -EBUSY, another range is tried.</summary>
    CmaAllocBusyRetry,

    /// <summary><c>cma:cma_release</c>: <c>cma_release()</c> after <c>free_contig_range()</c>.</summary>
    CmaRelease,
}

/// <summary>Names of <see cref="TraceEventKind"/> as the kernel prints them.</summary>
public static class TraceEventKinds
{
    /// <summary>The number of kinds.</summary>
    public const int Count = 10;

    /// <summary>The tracepoint name (<c>mm_page_alloc</c>, <c>cma_release</c>, ...).</summary>
    public static string Name(TraceEventKind kind) => kind switch
    {
        TraceEventKind.PageAlloc => "mm_page_alloc",
        TraceEventKind.PageFree => "mm_page_free",
        TraceEventKind.PageFreeBatched => "mm_page_free_batched",
        TraceEventKind.PageAllocZoneLocked => "mm_page_alloc_zone_locked",
        TraceEventKind.PagePcpuDrain => "mm_page_pcpu_drain",
        TraceEventKind.PageAllocExtfrag => "mm_page_alloc_extfrag",
        TraceEventKind.CmaAllocStart => "cma_alloc_start",
        TraceEventKind.CmaAllocFinish => "cma_alloc_finish",
        TraceEventKind.CmaAllocBusyRetry => "cma_alloc_busy_retry",
        TraceEventKind.CmaRelease => "cma_release",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Maps a tracepoint name (without the <c>kmem:</c>/<c>cma:</c> system) to its kind.</summary>
    public static bool TryParse(ReadOnlySpan<byte> name, out TraceEventKind kind)
    {
        // By length first: one comparison per name.
        kind = default;
        if (name.Length == 9 && name.SequenceEqual("cma_alloc"u8))
        {
            // 4.1-5.12 traced only the result of cma_alloc(), as "cma_alloc" (include/trace/events/cma.h).
            kind = TraceEventKind.CmaAllocFinish;
            return true;
        }

        ReadOnlySpan<byte> expected = name.Length switch
        {
            11 => "cma_release"u8,
            12 => "mm_page_free"u8,
            13 => "mm_page_alloc"u8,
            15 => "cma_alloc_start"u8,
            16 => "cma_alloc_finish"u8,
            18 => "mm_page_pcpu_drain"u8,
            20 => name[0] == (byte)'m' ? "mm_page_free_batched"u8 : "cma_alloc_busy_retry"u8,
            21 => "mm_page_alloc_extfrag"u8,
            25 => "mm_page_alloc_zone_locked"u8,
            _ => default,
        };
        if (expected.IsEmpty || !name.SequenceEqual(expected))
        {
            return false;
        }

        kind = name.Length switch
        {
            11 => TraceEventKind.CmaRelease,
            12 => TraceEventKind.PageFree,
            13 => TraceEventKind.PageAlloc,
            15 => TraceEventKind.CmaAllocStart,
            16 => TraceEventKind.CmaAllocFinish,
            18 => TraceEventKind.PagePcpuDrain,
            20 => name[0] == (byte)'m' ? TraceEventKind.PageFreeBatched : TraceEventKind.CmaAllocBusyRetry,
            21 => TraceEventKind.PageAllocExtfrag,
            _ => TraceEventKind.PageAllocZoneLocked,
        };
        return true;
    }
}
