using ZoneLab.Layout;

namespace ZoneLab.Workloads.Simulation;

/// <summary>
/// The part of a simulation's work that grows with the machine, not with the actors' rates: the engine boots lazily
/// (max-order boot blocks linked on first use), but compaction's scanners and alloc_contig_range() walk every pfn
/// of a zone and link its deferred blocks first (as the kernel's compaction walks the zone span), so one such pass
/// makes the whole zone resident: 12 bytes per page frame (Machine.StateBytes) and a pass per pfn each time.
/// Measured on the 2-core host (issue 15): a 1 TiB android-camera run on gcma took 125 s and 2.9 GB, a 256 GiB one
/// 7 s and 137 MB, a 4 TiB one minutes more. A scenario whose page frames, summed over the designs it runs, exceed
/// <see cref="MaxPageFrames"/> is refused up front, naming the machine size.
/// </summary>
public static class MachineWork
{
    /// <summary>Page frames a run may model, summed over the designs run: 2^29 (2 TiB of 4 KiB pages, about 5.9 GB of state).</summary>
    public const ulong MaxPageFrames = 1UL << 29;

    /// <summary>The machine's RAM as the scenario states it (mem, NUMA sizes or physical ranges), or null when a boot log or device tree gives it.</summary>
    public static ulong? RamBytes(ScenarioMachine m)
    {
        if (m.Mem is ulong mem)
        {
            return mem;
        }
        if (m.Numa.Count > 0)
        {
            return SaturatingSum(m.Numa);
        }
        if (m.Memory.Count > 0)
        {
            return SaturatingSum(m.Memory.Select(r => r.Size));
        }
        return null;
    }

    /// <summary>A sum that stops at ulong.MaxValue: a fuzzed scenario's sizes may add up beyond 64 bits.</summary>
    private static ulong SaturatingSum(IEnumerable<ulong> sizes)
    {
        ulong sum = 0;
        foreach (ulong n in sizes)
        {
            sum = n > ulong.MaxValue - sum ? ulong.MaxValue : sum + n;
        }
        return sum;
    }

    /// <summary>Page frames of <paramref name="runs"/> runs of the scenario's machine, or null when unknown before its layout.</summary>
    public static double? PageFrames(Scenario s, int runs) =>
        RamBytes(s.Machine) is ulong bytes ? (double)(bytes >> Page.Shift) * Math.Max(1, runs) : null;

    /// <summary>Throws a <see cref="ZoneLabInputException"/> naming the scenario's machine when its runs exceed <see cref="MaxPageFrames"/>.</summary>
    public static void Check(Scenario s, int runs)
    {
        if (PageFrames(s, runs) is not double frames || frames <= MaxPageFrames)
        {
            return;
        }
        ulong gib = RamBytes(s.Machine)!.Value >> 30;
        string source = s.SourcePath ?? s.Name;
        throw new ZoneLabInputException(source,
            $"machine: {gib} GiB × {Math.Max(1, runs)} design run{(runs == 1 ? string.Empty : "s")} is {frames:G3} page frames; a run links and scans "
            + $"every page frame of a zone when it compacts or allocates a contiguous range (11 bytes each resident, a pass per pfn), so the "
            + $"simulator takes at most {MaxPageFrames >> 18} GiB summed over the designs run (fewer designs with --design, or a smaller machine; "
            + "`zonelab layout` and `proc` take larger machines)");
    }
}
