using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Workloads;

/// <summary>The <c>offline</c> actor runs offline_pages() on the design's machine through the hotplug model.</summary>
public class OfflineScenarioTests
{
    // QEMU pc, 1 GiB, movablecore=512M: 128 MiB blocks; block 0 spans DMA and DMA32, blocks 1-5 are DMA32
    // ([16M, 768M)), blocks 6-7 are ZONE_MOVABLE ([768M, 1G)). 600 MiB of GFP_KERNEL slab can only go to DMA/DMA32;
    // 100 MiB of anon goes to ZONE_MOVABLE first (the zonelist starts at the highest zone). Both outlive the phase.
    private const string Yaml = """
        machine: {mem: 1G, cmdline: "movablecore=512M"}
        designs: [migrate-cma]
        phases:
          - name: fill
            duration: 3s
            actors:
              - {type: slab, kind: unmovable, rate: 100000/s, limit: 380M, lifetime: 1h}
              - {type: anon, rate: 100MiB/s, limit: 300M, lifetime: 1h}
          - name: unplug
            duration: 1s
            actors:
              - {type: offline, name: kernel-block, blocks: [3]}
              - {type: offline, name: top-movable, blocks: 2, start: 0.2s}
              - {type: offline, name: again, blocks: [6], start: 0.5s}
        """;

    [Fact]
    public void OfflineResultsFollowTheKernelRules()
    {
        DesignReport r = SimulationRunner.Run(ScenarioLoader.Load(Yaml, "s.yaml"), DesignKind.MigrateCma);
        Assert.Empty(r.SkippedActors);
        Assert.Equal(4, r.OfflineAttempts);
        IReadOnlyList<OfflineRecord> o = r.Offline;

        // block 3 (DMA32): DMA32 manages 115658 pages (451.8 MiB) and DMA at most 15.6 MiB, so >= 364.4 MiB of slab
        // is in DMA32 and at most 87.4 MiB of it is not slab: every 128 MiB DMA32 block holds an unmovable page: has_unmovable_pages() → start_isolate_page_range fails → -EBUSY
        Assert.Equal((3L, "Dma32", -16, "failure to isolate range", 0L), (o[0].Block, o[0].Zone, o[0].Errno, o[0].Reason, o[0].PagesMigrated));

        // blocks: 2 → the two highest online ZONE_MOVABLE blocks, 7 then 6. QEMU's e820 RAM ends at 0x3ffe0000, so
        // block 7 ([0x38000, 0x40000)) has a hole: walk_system_ram_range counts fewer pages → -EINVAL "memory holes".
        // Block 6 holds only anon (LRU) pages, which migrate elsewhere: it goes offline.
        Assert.Equal((7L, "Movable", -22, "memory holes"), (o[1].Block, o[1].Zone, o[1].Errno, o[1].Reason));
        Assert.Equal((6L, "Movable", 0, (string?)null), (o[2].Block, o[2].Zone, o[2].Errno, o[2].Reason));
        Assert.Null(o[2].Reason);

        // cost model: one attempt (311 µs) + 64 pageblocks isolated ((25735 − 311) / 190.5 µs each, the 2019 linux-mm
        // cma_alloc figures, docs/cost-model.md) + 146 ms / 2560 per migrated page
        foreach (OfflineRecord x in o)
        {
            Assert.Equal(0.311 + (64 * ((25.735 - 0.311) / 190.5)) + (x.PagesMigrated * (146.0 / 2560)), x.Milliseconds, 9);
        }

        // block 6 is offline already: device_offline returns 1 → -EINVAL, the zone reads none
        Assert.Equal((6L, "none", -22), (o[3].Block, o[3].Zone, o[3].Errno));
        Assert.Equal(1, r.OfflineSuccesses);
        Assert.Equal(new Dictionary<string, long> { ["-16 failure to isolate range"] = 1, ["-22"] = 1, ["-22 memory holes"] = 1 }, r.OfflineFailureReasons);
    }
}
