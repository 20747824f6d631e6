using System.Globalization;

namespace ZoneLab.Cli.Sweep;

/// <summary>The rows of several results folders of one sweep, one per point.</summary>
internal sealed record SweepMergeResult(SweepManifest Manifest, List<SweepRow> Rows, int Folders, int Duplicates, List<int> Missing);

/// <summary>
/// Combines results folders of one sweep (shards, retries of a shard, a partial single-process run): every folder must
/// hold the same sweep (fingerprint); a point found more than once is kept once (its rows must agree, as a point's row
/// depends on the point alone); the points no folder has are listed.
/// </summary>
internal static class SweepMerge
{
    /// <summary>Merges <paramref name="inputs"/> (folders with sweep.json, or folders holding <c>shard-*</c> folders).</summary>
    public static SweepMergeResult Merge(IReadOnlyList<string> inputs)
    {
        var folders = new List<string>();
        foreach (string d in inputs)
        {
            if (!Directory.Exists(d))
            {
                throw new ZoneLabInputException(d, "no such folder");
            }
            if (File.Exists(Path.Combine(d, SweepStore.ManifestFile)))
            {
                folders.Add(d);
            }
            foreach (string sub in Directory.EnumerateDirectories(d, "shard-*").Order(StringComparer.Ordinal))
            {
                if (File.Exists(Path.Combine(sub, SweepStore.ManifestFile)))
                {
                    folders.Add(sub);
                }
            }
        }
        if (folders.Count == 0)
        {
            throw new ZoneLabInputException(inputs[0], "no sweep results here (no sweep.json in it or in its shard-* folders)");
        }
        SweepManifest first = SweepManifest.Read(Path.Combine(folders[0], SweepStore.ManifestFile));
        IReadOnlyList<SweepColumn> columns = first.ToShape().Columns;
        var rows = new Dictionary<int, (SweepRow Row, string Folder)>();
        int duplicates = 0;
        foreach (string f in folders)
        {
            SweepManifest m = SweepManifest.Read(Path.Combine(f, SweepStore.ManifestFile));
            if (m.Fingerprint != first.Fingerprint)
            {
                throw new ZoneLabInputException(f, $"holds another sweep than {folders[0]} ({m.Grid}, version {m.ToolVersion}, fingerprint {m.Fingerprint} vs {first.Fingerprint})");
            }
            foreach (SweepRow r in SweepStore.ReadRows(f, columns, out _).Values)
            {
                if (r.Point < 0 || r.Point >= first.Points || (m.Shard is SweepShard s && !s.Owns(r.Point)))
                {
                    throw new ZoneLabInputException(f, $"holds point {r.Point}, which is not one of its shard's");
                }
                if (rows.TryGetValue(r.Point, out var had))
                {
                    if (!had.Row.SameAs(r))
                    {
                        throw new ZoneLabInputException(f, $"point {r.Point} differs from the row in {had.Folder}");
                    }
                    duplicates++;
                    continue;
                }
                rows[r.Point] = (r, f);
            }
        }
        var missing = Enumerable.Range(0, first.Points).Where(p => !rows.ContainsKey(p)).ToList();
        return new SweepMergeResult(first with { Shard = null }, [.. rows.Values.Select(v => v.Row).OrderBy(r => r.Point)], folders.Count, duplicates, missing);
    }

    /// <summary>"3, 7, 11-15".</summary>
    public static string Ranges(IReadOnlyList<int> sorted)
    {
        var parts = new List<string>();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }
            parts.Add(i == j ? sorted[i].ToString(CultureInfo.InvariantCulture) : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(", ", parts);
    }
}
