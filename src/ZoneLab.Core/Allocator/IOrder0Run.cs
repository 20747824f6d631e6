namespace ZoneLab.Allocator;

/// <summary>
/// The caller's per-page steps of <see cref="Machine.AllocateOrder0Run{TRun}"/>: a fault loop's draws and bookkeeping,
/// done between the run's pages in the order the loop does them around one <c>AllocateOrder0</c> call per page. A
/// struct, so that the run's loop is compiled for it and the calls are inlined.
/// </summary>
internal interface IOrder0Run
{
    /// <summary>The use of the next page the run tries, decided before its allocation (a draw made here stays made
    /// when the run stops before that page: the caller then allocates it with this use).</summary>
    PageUse NextUse();

    /// <summary>The run took the page at <paramref name="pfn"/>; false ends the run after it.</summary>
    bool Took(ulong pfn);
}
