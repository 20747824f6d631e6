using System.Text.Json.Serialization;

namespace ZoneLab.Oracle;

/// <summary>One counter of the fidelity table: the kernel's values over its runs and the engine's.</summary>
public sealed record FidelityRow
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>The kernel's median over the runs.</summary>
    [JsonPropertyName("kernel")]
    public long Kernel { get; init; }

    [JsonPropertyName("kernel_min")]
    public long KernelMin { get; init; }

    [JsonPropertyName("kernel_max")]
    public long KernelMax { get; init; }

    [JsonPropertyName("model")]
    public long Model { get; init; }

    /// <summary>Relative distance of the engine from the kernel's range (0 inside it).</summary>
    [JsonPropertyName("error")]
    public double Error { get; init; }

    [JsonPropertyName("structural")]
    public bool Structural { get; init; }

    /// <summary>Within the published target (docs/fidelity.md): structural 10 % (10 under 100) or the kernel's spread; others 2x, both under 10 aside.</summary>
    [JsonPropertyName("ok")]
    public bool Ok { get; init; }
}

/// <summary>One workload on one architecture.</summary>
public sealed record FidelityWorkload
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("arch")]
    public required string Arch { get; init; }

    [JsonPropertyName("runs")]
    public int Runs { get; init; }

    [JsonPropertyName("counters")]
    public required IReadOnlyList<FidelityRow> Counters { get; init; }

    /// <summary>The landing measure, for recordings made with --page-state (OracleLanding).</summary>
    [JsonPropertyName("landing")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LandingResult? Landing { get; init; }

    /// <summary>Free blocks per order per zone after every step, kernel against engine (<c>--steps</c>).</summary>
    [JsonPropertyName("steps")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FidelityStep>? Steps { get; init; }
}

/// <summary>The JSON document of <c>zonelab oracle compare --format json</c>.</summary>
public sealed record FidelityReport
{
    [JsonPropertyName("workloads")]
    public required IReadOnlyList<FidelityWorkload> Workloads { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(FidelityReport))]
public sealed partial class FidelityJsonContext : JsonSerializerContext;

/// <summary>Builds the table: kernel runs against the engine's run, with the published tolerance rules.</summary>
public static class FidelityTable
{
    /// <summary>
    /// Compares <paramref name="engine"/> with the kernel's runs; counters missing on one side count 0 there
    /// (a zone or an extfrag pair the other side never showed).
    /// </summary>
    public static FidelityWorkload Build(string name, string arch, IReadOnlyList<List<FidelityCounter>> kernelRuns, List<FidelityCounter> engine)
    {
        var names = new List<string>();
        var structural = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (FidelityCounter c in kernelRuns.SelectMany(r => r).Concat(engine))
        {
            if (structural.TryAdd(c.Name, c.Structural))
            {
                names.Add(c.Name);
            }
        }
        var rows = new List<FidelityRow>();
        foreach (string n in names)
        {
            long[] k = [.. kernelRuns.Select(r => r.FirstOrDefault(c => c.Name == n).Value).Order()];
            long model = engine.FirstOrDefault(c => c.Name == n).Value;
            long min = k[0], max = k[^1], median = k[k.Length / 2];
            rows.Add(new FidelityRow
            {
                Name = n,
                Kernel = median,
                KernelMin = min,
                KernelMax = max,
                Model = model,
                Error = Error(min, max, model),
                Structural = structural[n],
                Ok = Within(min, max, model, structural[n]),
            });
        }
        return new FidelityWorkload { Name = name, Arch = arch, Runs = kernelRuns.Count, Counters = rows };
    }

    /// <summary>Distance from the kernel's range, relative to the nearer bound (0 inside the range).</summary>
    public static double Error(long min, long max, long model)
    {
        if (model >= min && model <= max)
        {
            return 0;
        }
        long bound = model < min ? min : max;
        return Math.Round((double)(model - bound) / Math.Max(1, Math.Abs(bound)), 4);
    }

    /// <summary>
    /// The published target: a structural counter within 10 % of the kernel's range (within 10 when the kernel's
    /// value is under 100), or inside the range; another counter within a factor 2 of the range, or both sides under 10.
    /// </summary>
    public static bool Within(long min, long max, long model, bool structural)
    {
        if (model >= min && model <= max)
        {
            return true;
        }
        if (structural)
        {
            long bound = model < min ? min : max;
            double slack = Math.Abs(bound) < 100 ? 10 : Math.Abs(bound) * 0.10;
            return Math.Abs(model - bound) <= slack;
        }
        if (max < 10 && model < 10)
        {
            return true;
        }
        return model >= min / 2.0 && model <= max * 2.0;
    }
}
