using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ZoneLab.Workloads.DeviceState;

/// <summary>Writes <see cref="FailureRerun"/> outcomes: a text section after the explain verdicts, or a <c>whatif</c> key per report.</summary>
public static class FailureRerunWriter
{
    private const string StateNote = "the memory state is the snapshot's, not the one the report dumped; only the failing request is reissued (the report has no record of the minutes before it)";

    /// <summary>Adds <c>whatif</c> (one entry per design) to each report of an explain JSON document.</summary>
    public static string AddToJson(string explainJson, string snapshotDir, IReadOnlyList<List<RerunOutcome>> perReport)
    {
        JsonNode root = JsonNode.Parse(explainJson) ?? throw new InvalidOperationException("explain JSON is empty");
        root["whatif_from"] = snapshotDir;
        root["whatif_note"] = StateNote;
        JsonArray reports = root["reports"]!.AsArray();
        for (int i = 0; i < reports.Count; i++)
        {
            var arr = new JsonArray();
            foreach (RerunOutcome o in perReport[i])
            {
                var zones = new JsonArray();
                foreach (RerunZone z in o.Zones)
                {
                    zones.Add(new JsonObject
                    {
                        ["node"] = z.Node,
                        ["zone"] = z.Zone,
                        ["free_before"] = z.FreeBefore,
                        ["free_after"] = z.FreeAfter,
                        ["free_cma_after"] = z.FreeCmaAfter,
                        ["min"] = z.Min,
                        ["low"] = z.Low,
                        ["high"] = z.High,
                        ["watermark_state"] = z.WatermarkState,
                    });
                }

                arr.Add(new JsonObject
                {
                    ["design"] = o.Design,
                    ["succeeded"] = o.Succeeded,
                    ["failure"] = o.Failure,
                    ["zone"] = o.Zone,
                    ["migratetype"] = o.Migratetype,
                    ["fallback_from"] = o.Fallback,
                    ["reclaimed_pages"] = o.Reclaimed,
                    ["compact_stalls"] = o.CompactStalls,
                    ["compact_success"] = o.CompactSuccess,
                    ["migrated_pages"] = o.Migrated,
                    ["kswapd_wakeups"] = o.KswapdWakeups,
                    ["oom_kills"] = o.OomKills,
                    ["kswapd_reclaimed_after"] = o.KswapdReclaimedAfter,
                    ["kernel_usable_free_before"] = o.KernelUsableBefore,
                    ["kernel_usable_free_after"] = o.KernelUsableAfter,
                    ["movable_only_free_before"] = o.MovableOnlyBefore,
                    ["movable_only_free_after"] = o.MovableOnlyAfter,
                    ["zones"] = zones,
                });
            }

            reports[i]!["whatif"] = arr;
        }

        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>The text section: per report, per design, the outcome and its cost.</summary>
    public static string ToText(string snapshotDir, IReadOnlyList<int> lines, IReadOnlyList<List<RerunOutcome>> perReport)
    {
        var sb = new StringBuilder();
        sb.Append("\nWhat-if from snapshot ").Append(snapshotDir).Append(":\n  (").Append(StateNote).Append(")\n");
        for (int i = 0; i < perReport.Count; i++)
        {
            sb.Append("  report at line ").Append(lines[i]).Append(":\n");
            foreach (RerunOutcome o in perReport[i])
            {
                sb.Append("    ").Append(o.Design).Append(": ");
                sb.Append(o.Succeeded
                    ? $"succeeds from {o.Zone} ({o.Migratetype} pageblock{(o.Fallback != null ? $", fallback from {o.Fallback}" : string.Empty)})"
                    : $"fails ({o.Failure})");
                sb.Append($"; reclaimed {o.Reclaimed} pages, {o.CompactStalls} compaction stalls ({o.CompactSuccess} successful), {o.Migrated} pages migrated, {o.KswapdWakeups} kswapd wakeups");
                if (o.OomKills > 0)
                {
                    sb.Append($", {o.OomKills} OOM kills");
                }

                if (o.KswapdReclaimedAfter > 0)
                {
                    sb.Append($"; kswapd then reclaims {o.KswapdReclaimedAfter} pages");
                }

                sb.Append('\n');
                sb.Append($"      kernel-usable free {o.KernelUsableBefore} -> {o.KernelUsableAfter} pages, movable-only free {o.MovableOnlyBefore} -> {o.MovableOnlyAfter} pages\n");
                foreach (RerunZone z in o.Zones)
                {
                    sb.Append($"      Node {z.Node} {z.Zone}: free {z.FreeBefore} -> {z.FreeAfter} (min {z.Min} low {z.Low} high {z.High}): {z.WatermarkState}\n");
                }
            }
        }

        return sb.ToString();
    }
}
