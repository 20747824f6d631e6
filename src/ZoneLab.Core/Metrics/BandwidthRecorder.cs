using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Metrics;

/// <summary>
/// The simulation's bandwidth samples (<see cref="IBandwidthRecorder"/>) into the memory-controller model: the
/// workload's pages go to <see cref="BandwidthSampler"/>, the kernel's own pages to a <see cref="KernelTrafficSampler"/>
/// made on the first kernel page (only machines with kernel_traffic add any).
/// </summary>
internal sealed class BandwidthRecorder(IReadOnlyList<MemoryController> controllers) : IBandwidthRecorder
{
    private readonly BandwidthSampler _sampler = new(controllers);
    private KernelTrafficSampler? _kernel;

    /// <inheritdoc/>
    public void AddPages(ScenarioActor actor, ulong pfn, ulong count) => _sampler.AddPages(actor, pfn, count);

    /// <inheritdoc/>
    public void AddSlab(ulong pfn, ulong count) => Kernel().AddSlab(pfn, count);

    /// <inheritdoc/>
    public void AddPageTable(ScenarioActor actor, ulong pfn) => Kernel().AddPageTable(actor, pfn);

    /// <inheritdoc/>
    public void AddStructPage(ScenarioActor actor, ulong phys) => Kernel().AddStructPage(actor, phys);

    /// <inheritdoc/>
    public void AddKernelLoad(KernelTraffic k) => _sampler.AddKernelLoad(Kernel().Loads(k));

    /// <inheritdoc/>
    public void EndSample(double seconds) => _sampler.EndSample(seconds);

    /// <summary>The run's bandwidth table.</summary>
    public BandwidthReport Report() => _sampler.Report();

    private KernelTrafficSampler Kernel() => _kernel ??= new KernelTrafficSampler(_sampler, controllers.Count);
}
