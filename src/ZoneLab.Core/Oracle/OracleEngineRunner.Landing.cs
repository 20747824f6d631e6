using ZoneLab.Allocator;

namespace ZoneLab.Oracle;

/// <summary>The engine's page allocations per step, for the landing measure (<see cref="OracleLanding"/>).</summary>
public sealed partial class OracleEngineRunner
{
    private readonly List<List<LandedAlloc>> _allocs = [];

    // only for recordings with the kernel's side (--page-state): the other replays keep no per-allocation list
    private bool _recordAllocs;

    /// <summary>Per step (index 0 = step 1): the workload's page allocations in the engine, in order.</summary>
    public IReadOnlyList<IReadOnlyList<LandedAlloc>> Allocations => _allocs;

    // records a successful allocation of the step running now (trace_mm_page_alloc: pfn, order, migratetype)
    private AllocResult Landed(AllocResult r, int order, GfpFlags gfp)
    {
        if (r.Success && _recordAllocs)
        {
            while (_allocs.Count <= Steps.Count)
            {
                _allocs.Add([]);
            }

            _allocs[Steps.Count].Add(new LandedAlloc(order, Gfp.MigrateTypeOf(gfp), r.Pfn));
        }

        if (r.Success)
        {
            GuestStepProgress(1L << order); // the guest clock (OracleEngineRunner.Timer.cs)
        }

        return r;
    }
}

/// <summary>One page allocation: order, migratetype of the request, first pfn.</summary>
/// <param name="Order">Allocation order.</param>
/// <param name="Migratetype">gfp_migratetype of the request.</param>
/// <param name="Pfn">First pfn (for the kernel's trace summary: the pageblock's first pfn).</param>
public readonly record struct LandedAlloc(int Order, MigrateType Migratetype, ulong Pfn);
