namespace ZoneLab.Oracle;

/// <summary>
/// The kernel mechanisms the oracle runner models but leaves off for the published fidelity table, because each moves
/// more rows out of the target than in (or the sum of log distances up) until another gap is closed; docs/fidelity.md
/// has each one's round and numbers. The default instance is the published table's engine.
/// </summary>
public sealed record OracleMechanisms
{
    /// <summary>The published table's engine: every opt-in mechanism off.</summary>
    public static OracleMechanisms Published { get; } = new();

    /// <summary>The guest's per-cpu page lists, from step 0's pcp counts in its zoneinfo (OracleEngineRunner.Pcp.cs; Round 4).</summary>
    public bool PerCpuLists { get; init; }

    /// <summary>kcompactd's 500 ms timer run on the recording's own step times, inside long steps too (OracleEngineRunner.Timer.cs; Round 8).</summary>
    public bool GuestClock { get; init; }

    /// <summary>
    /// Disk files written dirty and their writer paced as balance_dirty_pages does, against a device writing one page per
    /// <see cref="Reclaim.ReclaimCostModel.WritebackNs"/> (Reclaim/DirtyThrottle.cs; Round 8).
    /// </summary>
    public bool DirtyThrottle { get; init; }

    /// <summary>6.1's boosted balance_pgdat in full (<see cref="Reclaim.ReclaimModel.BoostedReclaimLoop"/>; Round 12).</summary>
    public bool BoostLoop { get; init; }

    /// <summary>
    /// The ext4 metadata blocks a disk `file` step journals held by jbd2 for the rest of the run, so alloc_contig_range
    /// fails on them (OracleEngineRunner.Ext4Journal.cs; Round 13, fidwb2).
    /// </summary>
    public bool Ext4Journal { get; init; }

    /// <summary>
    /// The swap writes of a kswapd batch cut by its time slice complete unrotated
    /// (<see cref="Reclaim.ReclaimModel.SwapWritesCompleteIsolated"/>), and a swap-cache page is freed when its owner
    /// unmaps the entry (free_swap_and_cache; Round 14, fidlo).
    /// </summary>
    public bool SwapCache { get; init; }

    /// <summary>
    /// The boot residue's reclaimable slab kept (<see cref="Reclaim.ReclaimModel.ShrinkSlabPages"/> off: its dentries
    /// and inodes are pinned), with balance_pgdat's loop down to priority 1 as in 6.1
    /// (<see cref="Reclaim.ReclaimModel.EndOnNoProgress"/> off), which the residue pages stood in for (Round 16, fidslab2).
    /// </summary>
    public bool PinnedResidueSlab { get; init; }
}
