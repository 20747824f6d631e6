namespace ZoneLab.Workloads.Simulation;

/// <summary>
/// One bandwidth sample at a time (docs/bandwidth.md), fed by the simulation with the pages each accessing actor holds
/// and, with machine.kernel_traffic, the kernel's own pages; <see cref="EndSample"/> closes the sample. Implemented by
/// the metrics layer (see <see cref="ISimulationRecorder.Bandwidth"/>).
/// </summary>
internal interface IBandwidthRecorder
{
    /// <summary><paramref name="count"/> pages at <paramref name="pfn"/> held by <paramref name="actor"/>.</summary>
    void AddPages(ScenarioActor actor, ulong pfn, ulong count);

    /// <summary>A kernel page that is not a page table (slab, kernel allocations), <paramref name="count"/> pages.</summary>
    void AddSlab(ulong pfn, ulong count);

    /// <summary>A PTE page of <paramref name="actor"/>.</summary>
    void AddPageTable(ScenarioActor actor, ulong pfn);

    /// <summary>The struct page of one of <paramref name="actor"/>'s pages, at physical address <paramref name="phys"/>.</summary>
    void AddStructPage(ScenarioActor actor, ulong phys);

    /// <summary>The kernel pages added this sample, turned into load with the rates of <paramref name="k"/>.</summary>
    void AddKernelLoad(KernelTraffic k);

    /// <summary>Closes the sample, <paramref name="seconds"/> long.</summary>
    void EndSample(double seconds);
}
