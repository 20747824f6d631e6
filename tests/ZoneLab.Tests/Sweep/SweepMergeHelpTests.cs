using ZoneLab.Tests.Robustness;

namespace ZoneLab.Tests.Sweep;

/// <summary>The merge step's help shows the command as it is typed (docs/sweeps.md, deploy/): without the grid.</summary>
[Collection(InProcessCollection.Name)]
public class SweepMergeHelpTests
{
    [Fact]
    public void MergeUsageHasNoGridArgument()
    {
        // the usage System.CommandLine printed was "zonelab sweep <GRID> merge <DIR>... [options]", and it listed
        // <GRID> among merge's arguments; `zonelab sweep merge a b --out c` is how merge is run
        InProcessResult r = RobustFiles.Run("sweep", "merge", "--help");
        Assert.Equal(0, r.Exit);
        Assert.Contains(" sweep merge <DIR>... [options]\n", r.Out, StringComparison.Ordinal); // the root is named after the host process in-process
        Assert.DoesNotContain("GRID", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("grid file", r.Out, StringComparison.Ordinal);

        // the sweep's own help keeps its grid
        InProcessResult sweep = RobustFiles.Run("sweep", "--help");
        Assert.Contains(" sweep <GRID> [command] [options]\n", sweep.Out, StringComparison.Ordinal);
        Assert.Contains("<GRID>  The grid file", sweep.Out, StringComparison.Ordinal);
    }
}
