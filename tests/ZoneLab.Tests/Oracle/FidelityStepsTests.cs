using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary><c>zonelab oracle compare --steps</c>: the free blocks per order after every step, kernel runs against the engine.</summary>
public class FidelityStepsTests
{
    private static readonly string s_dir = Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings", "compaction-on-demand", "arm64");

    [Fact]
    public void EveryStepHasTheKernelRunsRangeReadFromTheirBuddyinfo()
    {
        FidelityWorkload w = OracleCompare.Compare(s_dir, steps: true);
        IReadOnlyList<FidelityStep> steps = w.Steps!;
        // oracle/workloads/compaction-on-demand.yaml: anon, thin, compact_memory, hugepages; step 0 is the start
        Assert.Equal(["start", "anon", "thin", "compact_memory", "hugepages"], steps.Select(s => s.Kind));
        FidelityStepZone thin = Assert.Single(steps[2].Zones);
        Assert.Equal("node0 DMA", thin.Zone);
        // run1-3/step2.buddyinfo.txt: "4793 4787 4780 4775 3 1 1 2 3 1 36", "4792 4786 4781 4775 3 1 1 2 3 1 36",
        // "4787 4781 4782 4774 1 2 1 2 3 1 36"
        Assert.Equal([4787L, 4781, 4780, 4774, 1, 1, 1, 2, 3, 1, 36], thin.KernelMin);
        Assert.Equal([4793L, 4787, 4782, 4775, 3, 2, 1, 2, 3, 1, 36], thin.KernelMax);
        Assert.Equal(11, thin.Model.Length);
    }

    [Fact]
    public void TheFirstOffOrderIsTheFirstOutsideTheStructuralTarget()
    {
        foreach (FidelityStep s in OracleCompare.Compare(s_dir, steps: true).Steps!)
        {
            foreach (FidelityStepZone z in s.Zones)
            {
                int expected = -1;
                for (int o = 0; o < z.Model.Length && expected < 0; o++)
                {
                    // the target for buddyinfo counts: within 10 of the kernel's range under 100, else within 10 %
                    long m = z.Model[o], bound = m < z.KernelMin[o] ? z.KernelMin[o] : z.KernelMax[o];
                    bool inside = m >= z.KernelMin[o] && m <= z.KernelMax[o];
                    double slack = bound < 100 ? 10 : bound * 0.1;
                    if (!inside && Math.Abs(m - bound) > slack)
                    {
                        expected = o;
                    }
                }
                Assert.Equal(expected, z.FirstOffOrder);
            }
        }
    }

    [Fact]
    public void WithoutStepsTheJsonHasNoStepsKey()
    {
        Assert.Null(OracleCompare.Compare(s_dir).Steps);
    }

    [Fact]
    public void TheCommandShowsStepsInTextAndJsonAndRefusesThemInMarkdown()
    {
        var (exit, text, _) = ZoneLab.Tests.Cli.ZonelabProcess.Run(["oracle", "compare", s_dir, "--steps"]);
        Assert.Equal(0, exit);
        Assert.Contains("free blocks per order after each step", text);
        Assert.Contains("compact_memory", text);
        (exit, string json, _) = ZoneLab.Tests.Cli.ZonelabProcess.Run(["oracle", "compare", s_dir, "--steps", "--format", "json"]);
        Assert.Equal(0, exit);
        Assert.Contains("\"first_off_order\"", json);
        (exit, _, string err) = ZoneLab.Tests.Cli.ZonelabProcess.Run(["oracle", "compare", s_dir, "--steps", "--format", "markdown"]);
        Assert.Equal(2, exit);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--steps", err);
    }
}
