using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// A page-cache actor's re-reads (<c>access</c> over its <c>limit</c>-sized file set) miss at most the set's pages that
/// are not resident in one step: a page read once in a step is in the cache for the rest of it. Without the bound a
/// mutated scenario's <c>access: 18446744073709551616MiB/s</c> queued ~10^17 misses a step and ran out of memory
/// (found by the fuzzing campaign, tests/ZoneLab.Fuzz, seed 3).
/// </summary>
public class RereadBoundTests
{
    [Fact]
    public void AStepMissesAtMostTheSetsNonResidentPages()
    {
        // set 16 MiB = 4096 pages; 4 GiB/s of reads is 104,857 pages a 0.1 s step, 25 times the set. Ten steps can miss
        // at most 10 x 4096 pages (every step starting with none of the set resident, the most it can miss).
        const string yaml = """
            machine: {mem: 256M}
            designs: [migrate-cma]
            phases:
              - name: reread
                duration: 1s
                actors:
                  - {type: page_cache, rate: 1MiB/s, limit: 16M, access: 4GiB/s}
            """;
        DesignReport r = SimulationRunner.Run(ScenarioLoader.Load(yaml, "s.yaml"), DesignKind.MigrateCma);
        Assert.InRange(r.PageCacheMisses, 1, 10 * 4096);
    }
}
