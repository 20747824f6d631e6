using System.Globalization;
using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Oracle;

/// <content>
/// The per-cpu page lists of the recording's guest (mm/page_alloc.c, 6.1): the engine runs with as many CPUs as the
/// guest's <c>-smp</c> (run-info.txt <c>smp</c>), and starts with each zone's per-cpu lists holding as many pages as
/// the first /proc/zoneinfo's <c>pagesets</c> show (<c>count</c>). Those pages are neither in buddyinfo nor in use,
/// and each one keeps its buddy from merging.
/// </content>
public sealed partial class OracleEngineRunner
{
    // NR_CPUS of Debian's 6.1 builds (CONFIG_NR_CPUS=8192, "setup_percpu: NR_CPUS:8192" in the boot logs)
    private const int MaxCpus = 8192;

    /// <summary>Per snapshot (as <see cref="Snapshots"/>): pages on the per-cpu lists, per node and zone type ("node0 DMA32").</summary>
    public List<Dictionary<string, long>> PcpPages { get; } = [];

    private void SnapshotPcp()
    {
        var d = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Zone z in _m.Zones)
        {
            long n = 0;
            for (int cpu = 0; cpu < _m.Spec.Cpus; cpu++)
            {
                n += _m.PcpCount(z.Index, cpu);
            }

            d[$"node{z.Node} {ZoneTypes.Name(z.Type)}"] = n;
        }

        PcpPages.Add(d);
    }

    private static int GuestCpus(OracleRecording rec)
    {
        string smp = rec.Info.GetValueOrDefault("smp", "1");
        return int.TryParse(smp, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= MaxCpus
            ? n
            : throw new ZoneLabInputException(rec.PathOf("run-info.txt"), $"smp '{smp}': expected a CPU count from 1 to {MaxCpus}");
    }

    /// <summary>
    /// Puts the step-0 zoneinfo's per-cpu pages on the engine's lists. The residue fill allocated them as used memory
    /// (zoneinfo's <c>pages free</c> leaves them out); in the kernel they got there by being freed
    /// (<c>free_unref_page_commit</c> adds at the list head), so the engine frees that many of the boot residue's last
    /// movable pages of the zone to the CPU's lists, not taking pages from the buddy lists (<c>rmqueue_bulk</c> would
    /// take the smallest free blocks first and change step 0's buddyinfo). The fill's own <c>rmqueue_bulk</c>
    /// leftovers are drained first, so that the zone's buddy free count is the kernel's again.
    /// </summary>
    private void SeedPcp(IReadOnlyList<ZoneinfoZone> zi)
    {
        if (!_m.PerCpuLists)
        {
            return;
        }

        _m.DrainAllPages();
        foreach (Zone z in _m.Zones.OrderByDescending(z => z.Type).ThenByDescending(z => z.Node))
        {
            ZoneinfoZone? real = zi.FirstOrDefault(r => r.Node == z.Node && r.Type == z.Type);
            if (real == null || !z.IsPopulated)
            {
                continue;
            }

            foreach (ZoneinfoPageset p in real.Pagesets)
            {
                if (p.Cpu >= _m.Spec.Cpus)
                {
                    throw new ZoneLabInputException(_rec.PathOf("step0.zoneinfo.txt"), $"pageset of cpu {p.Cpu} in node {z.Node} zone {z.Type}, but run-info.txt has smp {_m.Spec.Cpus}");
                }

                _m.CurrentCpu = p.Cpu;
                for (int j = _kernel.Pages.Count - 1; j >= 0 && _m.PcpCount(z.Index, p.Cpu) < p.Count; j--)
                {
                    ulong pfn = _kernel.Pages[j];
                    if (pfn != 0 && pfn != Swapped && _m.ZoneIndexOf(pfn) == z.Index && OwnsPage(_kernel, j))
                    {
                        ReleasePage(_kernel, j);
                    }
                }
            }
        }

        _m.CurrentCpu = 0;
    }
}
