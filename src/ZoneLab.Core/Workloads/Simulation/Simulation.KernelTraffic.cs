using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Workloads.Simulation;

internal sealed partial class Simulation
{
    private MemmapRange[]? _memmap;

    /// <summary>
    /// The kernel's own traffic of one bandwidth sample (machine.kernel_traffic, docs/bandwidth.md), added to the
    /// recorder before it ends the sample: every allocated kernel page that is not a page table (slab), each accessing
    /// actor's PTE pages, and the struct pages of the pages it holds (<paramref name="owners"/>: the accessing actors'
    /// states, <paramref name="structPages"/> their pages).
    /// </summary>
    private void SampleKernelTraffic(IBandwidthRecorder bandwidth, HashSet<ActorState> owners, List<(ScenarioActor Actor, ulong Pfn, ulong Count)> structPages)
    {
        if (_scenario.Machine.KernelTraffic is not KernelTraffic k)
        {
            return;
        }
        _memmap ??= [.. _dm.Layout.Memmap.OrderBy(r => r.StartPfn)];

        var pageTables = new HashSet<ulong>();
        foreach (ActorState st in owners)
        {
            foreach (ulong pfn in st.PageTables)
            {
                if (_m.IsAllocatedHead(pfn, out _) && _m.UseOf(pfn) == PageUse.Kernel)
                {
                    pageTables.Add(pfn);
                    bandwidth.AddPageTable(st.Actor, pfn);
                }
            }
        }

        // device buffers (cma_alloc'd pages) are the device's traffic, not the kernel's
        var device = new List<(ulong Start, ulong End)>();
        foreach ((ContigHolding c, _) in _contigExpiry.UnorderedItems)
        {
            device.Add((c.Pfn, c.Pfn + c.Count));
        }

        // slab and the other kernel allocations: every allocated head used by the kernel, page tables excepted
        ulong end = _m.BasePfn + (ulong)_m.PfnCount;
        for (ulong pfn = _m.BasePfn; pfn < end;)
        {
            if (_m.IsAllocatedHead(pfn, out int order))
            {
                if (_m.UseOf(pfn) is PageUse.Kernel or PageUse.SlabReclaimable && !pageTables.Contains(pfn) && !device.Exists(d => pfn >= d.Start && pfn < d.End))
                {
                    bandwidth.AddSlab(pfn, 1UL << order);
                }
                pfn += 1UL << order;
            }
            else
            {
                pfn++;
            }
        }

        foreach ((ScenarioActor a, ulong pfn, ulong count) in structPages)
        {
            for (ulong p = pfn; p < pfn + count; p++)
            {
                if (MemmapOf(p) is MemmapRange r)
                {
                    bandwidth.AddStructPage(a, r.StructPage(p));
                }
            }
        }

        bandwidth.AddKernelLoad(k);
    }

    // the section's memmap (binary search over sparse_init()'s ranges), null where the layout does not place it (x86)
    private MemmapRange? MemmapOf(ulong pfn)
    {
        int lo = 0, hi = _memmap!.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            MemmapRange r = _memmap[mid];
            if (pfn < r.StartPfn)
            {
                hi = mid - 1;
            }
            else if (pfn >= r.EndPfn)
            {
                lo = mid + 1;
            }
            else
            {
                return r;
            }
        }
        return null;
    }
}
