using System.Text.Json.Serialization;

namespace ZoneLab.Oracle;

/// <summary>
/// One zone's free blocks per order after one step (buddyinfo): the kernel's min and max over its runs and the
/// engine's. A counter of the table says where a workload ends; this says at which step the engine left the kernel.
/// </summary>
public sealed record FidelityStepZone
{
    /// <summary>The zone as buddyinfo names it (<c>node0 DMA32</c>).</summary>
    [JsonPropertyName("zone")]
    public required string Zone { get; init; }

    [JsonPropertyName("kernel_min")]
    public required long[] KernelMin { get; init; }

    [JsonPropertyName("kernel_max")]
    public required long[] KernelMax { get; init; }

    [JsonPropertyName("model")]
    public required long[] Model { get; init; }

    /// <summary>The first order whose engine count is outside the published target for a buddyinfo counter, or -1.</summary>
    [JsonPropertyName("first_off_order")]
    public int FirstOffOrder { get; init; }
}

/// <summary>The state after one step (step 0: before the first).</summary>
public sealed record FidelityStep
{
    [JsonPropertyName("step")]
    public int Step { get; init; }

    /// <summary>The step's kind (<c>start</c> for step 0).</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    [JsonPropertyName("zones")]
    public required IReadOnlyList<FidelityStepZone> Zones { get; init; }
}

/// <summary>Builds the per-step view of <c>zonelab oracle compare --steps</c>.</summary>
public static class FidelitySteps
{
    /// <summary>
    /// Every snapshot of the kernel's runs against the engine's (the same count: step 0 and one per step), per zone
    /// present in both.
    /// </summary>
    public static List<FidelityStep> Build(OracleWorkload w, IReadOnlyList<IReadOnlyList<ProcSnapshot>> kernelRuns, IReadOnlyList<ProcSnapshot> model)
    {
        var steps = new List<FidelityStep>();
        for (int s = 0; s < model.Count; s++)
        {
            var zones = new List<FidelityStepZone>();
            foreach ((string zone, long[] m) in model[s].Buddy.OrderBy(x => x.Key, StringComparer.Ordinal))
            {
                List<long[]> k = [.. kernelRuns.Where(r => s < r.Count && r[s].Buddy.ContainsKey(zone)).Select(r => r[s].Buddy[zone])];
                if (k.Count == 0)
                {
                    continue;
                }
                int orders = Math.Min(m.Length, k.Min(c => c.Length));
                long[] min = new long[orders], max = new long[orders], eng = m[..orders];
                int off = -1;
                for (int o = 0; o < orders; o++)
                {
                    min[o] = k.Min(c => c[o]);
                    max[o] = k.Max(c => c[o]);
                    if (off < 0 && !FidelityTable.Within(min[o], max[o], eng[o], structural: true))
                    {
                        off = o;
                    }
                }
                zones.Add(new FidelityStepZone { Zone = zone, KernelMin = min, KernelMax = max, Model = eng, FirstOffOrder = off });
            }
            steps.Add(new FidelityStep { Step = s, Kind = s == 0 ? "start" : w.Steps[s - 1].Kind, Zones = zones });
        }
        return steps;
    }
}
