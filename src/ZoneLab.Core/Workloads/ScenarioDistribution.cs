namespace ZoneLab.Workloads;

/// <summary>The shape of a <see cref="ScenarioDistribution"/>.</summary>
public enum DistributionKind
{
    /// <summary>Always <see cref="ScenarioDistribution.A"/>.</summary>
    Constant,

    /// <summary>Uniform on [<see cref="ScenarioDistribution.A"/>, <see cref="ScenarioDistribution.B"/>].</summary>
    Uniform,

    /// <summary>Exponential with mean <see cref="ScenarioDistribution.A"/>.</summary>
    Exponential,

    /// <summary>Log-normal with median <see cref="ScenarioDistribution.A"/> (= e^mu) and shape sigma <see cref="ScenarioDistribution.B"/>.</summary>
    LogNormal,

    /// <summary>A recorded histogram: values with weights, sampled by weight.</summary>
    Histogram,
}

/// <summary>
/// A random quantity of a scenario (a size in bytes, a time in seconds, a count or a rate), in the base unit of
/// its <see cref="Unit"/>. A plain value in the file is a <see cref="DistributionKind.Constant"/>.
/// </summary>
/// <param name="Kind">The shape.</param>
/// <param name="Unit">What the values measure.</param>
/// <param name="A">Constant value, uniform minimum, exponential mean or log-normal median.</param>
/// <param name="B">Uniform maximum or log-normal sigma; 0 otherwise.</param>
/// <param name="Buckets">The histogram's (value, weight) pairs; empty otherwise.</param>
/// <param name="File">The file a histogram was read from (relative to the scenario), if any.</param>
public sealed record ScenarioDistribution(
    DistributionKind Kind, QuantityUnit Unit, double A, double B, IReadOnlyList<HistogramBucket> Buckets, string? File)
{
    /// <summary>A constant.</summary>
    public static ScenarioDistribution Constant(double value, QuantityUnit unit) => new(DistributionKind.Constant, unit, value, 0, [], null);

    /// <summary>The expected value.</summary>
    public double Mean => Kind switch
    {
        DistributionKind.Constant => A,
        DistributionKind.Uniform => (A + B) / 2,
        DistributionKind.Exponential => A,
        DistributionKind.LogNormal => A * Math.Exp(B * B / 2),
        DistributionKind.Histogram => Buckets.Sum(b => b.Value * b.Weight) / Buckets.Sum(b => b.Weight),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Draws one value with <paramref name="rng"/>.</summary>
    public double Sample(Random rng)
    {
        switch (Kind)
        {
            case DistributionKind.Constant:
                return A;
            case DistributionKind.Uniform:
                return A + ((B - A) * rng.NextDouble());
            case DistributionKind.Exponential:
                return -A * Math.Log(1 - rng.NextDouble());
            case DistributionKind.LogNormal:
                // Box-Muller for a standard normal.
                double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
                double z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                return A * Math.Exp(B * z);
            case DistributionKind.Histogram:
                double total = 0;
                foreach (HistogramBucket b in Buckets)
                {
                    total += b.Weight;
                }

                double x = rng.NextDouble() * total;
                foreach (HistogramBucket b in Buckets)
                {
                    x -= b.Weight;
                    if (x < 0)
                    {
                        return b.Value;
                    }
                }

                return Buckets[^1].Value;
            default:
                throw new InvalidOperationException();
        }
    }

    /// <inheritdoc/>
    public bool Equals(ScenarioDistribution? other) =>
        other is not null && Kind == other.Kind && Unit == other.Unit && A.Equals(other.A) && B.Equals(other.B)
        && Buckets.SequenceEqual(other.Buckets) && File == other.File;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Unit, A, B, Buckets.Count, File);
}

/// <summary>One bar of a recorded histogram.</summary>
/// <param name="Value">The value (in the distribution's unit).</param>
/// <param name="Weight">Its relative frequency (any non-negative scale).</param>
public readonly record struct HistogramBucket(double Value, double Weight);
