namespace ZoneLab.Workloads;

/// <summary>
/// One entry of a scenario's <c>variants:</c> list: a design booted with extra kernel command-line text, reported
/// under its own name. Variants compare kernel command lines (<c>movablecore=600M</c> against
/// <c>movablecore=300M@0x60000000,...</c>), not only designs.
/// </summary>
/// <param name="Name">The name the report shows instead of the design's.</param>
/// <param name="Design">The design to boot (a <see cref="ScenarioDesigns.All"/> name).</param>
/// <param name="Cmdline">Appended to <see cref="ScenarioMachine.Cmdline"/> (after it, so it wins where the kernel lets a later repeat win).</param>
/// <param name="NumaPerController">The variant's <c>numa: controllers</c>: one NUMA node per memory controller (<see cref="ScenarioNumaNodes"/>).</param>
public sealed record ScenarioVariant(string Name, string Design, string Cmdline, bool NumaPerController = false)
{
    /// <summary>The scenario with this variant's command line appended to the machine's (and its NUMA nodes).</summary>
    public Scenario Apply(Scenario s) => Cmdline.Length == 0 && !NumaPerController ? s : s with
    {
        Machine = s.Machine with
        {
            Cmdline = Cmdline.Length == 0 ? s.Machine.Cmdline : s.Machine.Cmdline.Length == 0 ? Cmdline : s.Machine.Cmdline + " " + Cmdline,
            NumaPerController = s.Machine.NumaPerController || NumaPerController,
        },
    };
}
