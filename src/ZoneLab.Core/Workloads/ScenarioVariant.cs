namespace ZoneLab.Workloads;

/// <summary>
/// One entry of a scenario's <c>variants:</c> list: a design booted with extra kernel command-line text, reported
/// under its own name. Variants compare kernel command lines (<c>movablecore=600M</c> against
/// <c>movablecore=300M@0x60000000,...</c>), not only designs.
/// </summary>
/// <param name="Name">The name the report shows instead of the design's.</param>
/// <param name="Design">The design to boot (a <see cref="ScenarioDesigns.All"/> name).</param>
/// <param name="Cmdline">Appended to <see cref="ScenarioMachine.Cmdline"/> (after it, so it wins where the kernel lets a later repeat win).</param>
public sealed record ScenarioVariant(string Name, string Design, string Cmdline)
{
    /// <summary>The scenario with this variant's command line appended to the machine's.</summary>
    public Scenario Apply(Scenario s) => Cmdline.Length == 0 ? s : s with
    {
        Machine = s.Machine with { Cmdline = s.Machine.Cmdline.Length == 0 ? Cmdline : s.Machine.Cmdline + " " + Cmdline },
    };
}
