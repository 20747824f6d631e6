using System.Globalization;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// Which shard a process runs: <c>--shard I/N</c>; else a Kubernetes Indexed Job's <c>JOB_COMPLETION_INDEX</c> (with
/// <c>--shards N</c>, the Job's completions, since Kubernetes does not pass the count); else a Slurm job array's
/// <c>SLURM_ARRAY_TASK_ID</c> counted from <c>SLURM_ARRAY_TASK_MIN</c> with <c>SLURM_ARRAY_TASK_COUNT</c> tasks (with
/// <c>--shards N</c>: the id itself of N, so a task resubmitted alone keeps its shard); else all points.
/// </summary>
internal static class SweepShards
{
    /// <summary>The shard, or null for the whole grid.</summary>
    public static SweepShard? Resolve(string? option, int? shardsOption, Func<string, string?> env)
    {
        if (option is not null)
        {
            string[] p = option.Split('/');
            if (p.Length != 2 || !int.TryParse(p[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
                || !int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || i >= n)
            {
                throw new ZoneLabInputException("--shard", $"expected I/N with 0 <= I < N (0/4 .. 3/4), found '{option}'");
            }
            return new SweepShard(i, n);
        }
        if (env("JOB_COMPLETION_INDEX") is string k8s && k8s.Length > 0)
        {
            int n = shardsOption ?? throw new ZoneLabInputException("JOB_COMPLETION_INDEX", "is set (a Kubernetes Indexed Job): give the Job's completions as --shards N");
            return Checked("JOB_COMPLETION_INDEX", k8s, 0, n);
        }
        if (env("SLURM_ARRAY_TASK_ID") is string id && id.Length > 0)
        {
            string? countText = env("SLURM_ARRAY_TASK_COUNT");
            int n = shardsOption ?? (int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int c) ? c
                : throw new ZoneLabInputException("SLURM_ARRAY_TASK_COUNT", $"expected the array's task count, found '{countText}'"));
            // with --shards the id is the shard itself (0-based arrays), so that one task resubmitted alone
            // (sbatch --array=5, whose SLURM_ARRAY_TASK_MIN is 5 and COUNT 1) is still shard 5 of N
            int min = shardsOption is not null ? 0 : int.TryParse(env("SLURM_ARRAY_TASK_MIN"), NumberStyles.None, CultureInfo.InvariantCulture, out int m) ? m : 0;
            return Checked("SLURM_ARRAY_TASK_ID", id, min, n);
        }
        if (shardsOption is not null)
        {
            throw new ZoneLabInputException("--shards", "needs JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID in the environment (or use --shard I/N)");
        }
        return null;
    }

    private static SweepShard Checked(string name, string text, int first, int count)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v - first < 0 || v - first >= count || count < 1)
        {
            throw new ZoneLabInputException(name, $"expected an index from {first} to {first + count - 1}, found '{text}'");
        }
        return new SweepShard(v - first, count);
    }
}
