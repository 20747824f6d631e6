using ZoneLab.Cli.Sweep;

namespace ZoneLab.Tests.Sweep;

/// <summary>Which shard a process runs: --shard, Kubernetes Indexed Jobs, Slurm job arrays.</summary>
public class SweepShardsTests
{
    private static Func<string, string?> Env(params (string, string)[] vars) => n => vars.FirstOrDefault(v => v.Item1 == n).Item2;

    [Fact]
    public void OptionWinsAndIsChecked()
    {
        Assert.Equal(new SweepShard(2, 5), SweepShards.Resolve("2/5", null, Env(("SLURM_ARRAY_TASK_ID", "1"))));
        Assert.Null(SweepShards.Resolve(null, null, Env()));
        Assert.Throws<ZoneLabInputException>(() => SweepShards.Resolve("5/5", null, Env()));
        Assert.Throws<ZoneLabInputException>(() => SweepShards.Resolve("-1/5", null, Env()));
        Assert.Throws<ZoneLabInputException>(() => SweepShards.Resolve("1", null, Env()));
    }

    [Fact]
    public void KubernetesIndexNeedsTheCount()
    {
        Assert.Equal(new SweepShard(3, 8), SweepShards.Resolve(null, 8, Env(("JOB_COMPLETION_INDEX", "3"))));
        Assert.Contains("--shards", Assert.Throws<ZoneLabInputException>(() => SweepShards.Resolve(null, null, Env(("JOB_COMPLETION_INDEX", "3")))).Message);
        Assert.Throws<ZoneLabInputException>(() => SweepShards.Resolve(null, 8, Env(("JOB_COMPLETION_INDEX", "8"))));
    }

    [Fact]
    public void SlurmArraysCountFromTheirFirstIndex()
    {
        // sbatch --array=0-3: ids 0..3, count 4
        Assert.Equal(new SweepShard(2, 4), SweepShards.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "0"))));
        // sbatch --array=1-4: id 1 is the first shard
        Assert.Equal(new SweepShard(0, 4), SweepShards.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "1"))));
        Assert.Throws<ZoneLabInputException>(() => SweepShards.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        // task 1 of 4 resubmitted alone (sbatch --array=1): with --shards 4 it is still shard 1 of 4
        Assert.Equal(new SweepShard(1, 4), SweepShards.Resolve(null, 4, Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "1"), ("SLURM_ARRAY_TASK_MIN", "1"))));
    }

    [Fact]
    public void EveryPointBelongsToExactlyOneShard()
    {
        for (int n = 1; n <= 7; n++)
        {
            for (int p = 0; p < 50; p++)
            {
                Assert.Equal(1, Enumerable.Range(0, n).Count(i => new SweepShard(i, n).Owns(p)));
            }
        }
    }

    [Fact]
    public void MissingPointsPrintAsRanges() => Assert.Equal("0, 3-5, 9", SweepMerge.Ranges([0, 3, 4, 5, 9]));
}
