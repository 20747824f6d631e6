using System.Runtime.CompilerServices;
using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Simulation;

internal sealed partial class Simulation
{
    private IBandwidthRecorder? _bandwidth;
    private bool _bandwidthChecked;

    /// <summary>
    /// The bandwidth model's sample (docs/bandwidth.md): every page each accessing actor still holds, by controller.
    /// Only when the machine has memory controllers and some actor an <c>access</c> rate.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few to a few hundred times a run: compiled once, optimized (no re-JIT in later runs)
    private void SampleBandwidth(double seconds)
    {
        if (!_bandwidthChecked)
        {
            _bandwidthChecked = true;
            bool anyAccess = false;
            foreach (ScenarioPhase p in _scenario.Phases)
            {
                foreach (ScenarioActor a in p.Actors)
                {
                    anyAccess |= a.AccessBytesPerSecond > 0;
                }
            }

            if (anyAccess && _scenario.Machine.MemoryControllers.Count > 0)
            {
                _bandwidth = _metrics.Bandwidth(_scenario.Machine.MemoryControllers);
            }
        }

        if (_bandwidth == null || seconds <= 0)
        {
            return;
        }

        // the kernel's traffic (machine.kernel_traffic) follows the accessing actors' page tables and struct pages
        bool kernel = _scenario.Machine.KernelTraffic != null;
        var owners = kernel ? new HashSet<ActorState>(ReferenceEqualityComparer.Instance) : null;
        var structPages = kernel ? new List<(ScenarioActor, ulong, ulong)>() : null;
        foreach ((Holding h, _) in _expiry.UnorderedItems)
        {
            if (h.Actor is not { AccessBytesPerSecond: > 0 } a || h.CleanOnly)
            {
                continue;
            }

            if (h.Owner is ActorState owner)
            {
                owners?.Add(owner);
            }

            foreach (ulong pfn in h.Pfns)
            {
                // a swapped-out page (SwappedPfn in its slot) is on the swap device, not behind a controller; a page
                // reclaimed or migrated away is no longer the actor's (as Release sees it)
                if (pfn != SwappedPfn && _m.IsAllocatedHead(pfn, out int o) && o == h.Order && _m.UseOf(pfn) == h.Use)
                {
                    _bandwidth.AddPages(a, pfn, 1UL << o);
                    structPages?.Add((a, pfn, 1UL << o));
                }
            }
        }

        foreach (ActorState st in _cacheActors)
        {
            if (st.Actor.AccessBytesPerSecond <= 0)
            {
                continue;
            }

            foreach (ulong pfn in st.Cache)
            {
                if (_m.IsAllocatedHead(pfn, out int o) && o == 0 && _m.UseOf(pfn) is PageUse.File or PageUse.FileDirty)
                {
                    _bandwidth.AddPages(st.Actor, pfn, 1);
                    structPages?.Add((st.Actor, pfn, 1));
                }
            }
        }

        foreach ((ContigHolding c, _) in _contigExpiry.UnorderedItems)
        {
            if (c.Actor is { AccessBytesPerSecond: > 0 } a)
            {
                _bandwidth.AddPages(a, c.Pfn, c.Count);
            }
        }

        if (kernel)
        {
            SampleKernelTraffic(_bandwidth, owners!, structPages!);
        }

        _bandwidth.EndSample(seconds);
    }
}
