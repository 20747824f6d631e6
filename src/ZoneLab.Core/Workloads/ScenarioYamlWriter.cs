using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ZoneLab.Workloads;

/// <summary>
/// Writes the keys of a scenario file (<see cref="ScenarioWriter"/>) through YamlDotNet's emitter, in the loader's
/// units: the emitter does the quoting and escaping. Names from a fixed set and quantities are plain scalars, free text
/// is double-quoted, distributions and short lists are flow collections.
/// </summary>
internal sealed class ScenarioYamlWriter
{
    private readonly IEmitter _e;

    internal ScenarioYamlWriter(IEmitter emitter)
    {
        _e = emitter;
    }

    /// <summary>A key with a plain scalar (a number, a name from a fixed set, true/false).</summary>
    public void Plain(string key, string value)
    {
        Key(key);
        PlainValue(value);
    }

    /// <summary>An integer.</summary>
    public void Integer(string key, long value) => Plain(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A boolean.</summary>
    public void Bool(string key, bool value) => Plain(key, value ? "true" : "false");

    /// <summary>A double-quoted string when present.</summary>
    public void String(string key, string? value)
    {
        if (value is not null)
        {
            Key(key);
            Quoted(value);
        }
    }

    /// <summary>A quantity in <paramref name="unit"/> when present.</summary>
    public void Quantity(string key, double? value, QuantityUnit unit)
    {
        if (value is double d)
        {
            Plain(key, Quantities.Format(d, unit));
        }
    }

    /// <summary>A flow sequence of plain scalars.</summary>
    public void List(string key, IEnumerable<string> items)
    {
        Key(key);
        _e.Emit(new SequenceStart(null, null, true, SequenceStyle.Flow));
        foreach (string i in items)
        {
            PlainValue(i);
        }
        _e.Emit(new SequenceEnd());
    }

    /// <summary>A distribution when present: a constant as its quantity, else a <c>{dist: ...}</c> flow mapping.</summary>
    public void Dist(string key, ScenarioDistribution? d)
    {
        if (d is null)
        {
            return;
        }
        Key(key);
        string F(double v) => Quantities.Format(v, d.Unit);
        string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        if (d.Kind == DistributionKind.Constant)
        {
            PlainValue(F(d.A));
            return;
        }
        _e.Emit(new MappingStart(null, null, true, MappingStyle.Flow));
        Plain("dist", DistName(d.Kind));
        switch (d.Kind)
        {
            case DistributionKind.Uniform:
                Plain("min", F(d.A));
                Plain("max", F(d.B));
                break;
            case DistributionKind.Exponential:
                Plain("mean", F(d.A));
                break;
            case DistributionKind.LogNormal:
                Plain("median", F(d.A));
                Plain("sigma", R(d.B));
                break;
            case DistributionKind.Histogram when d.File is not null:
                String("file", d.File);
                break;
            case DistributionKind.Histogram:
                Key("buckets");
                _e.Emit(new SequenceStart(null, null, true, SequenceStyle.Flow));
                foreach (HistogramBucket b in d.Buckets)
                {
                    _e.Emit(new SequenceStart(null, null, true, SequenceStyle.Flow));
                    PlainValue(F(b.Value));
                    PlainValue(R(b.Weight));
                    _e.Emit(new SequenceEnd());
                }
                _e.Emit(new SequenceEnd());
                break;
            default:
                throw new System.Diagnostics.UnreachableException($"distribution {d.Kind} has no writer");
        }
        _e.Emit(new MappingEnd());
    }

    /// <summary>Starts a nested block mapping under <paramref name="key"/> (null: a sequence item).</summary>
    public void BeginMapping(string? key = null)
    {
        if (key is not null)
        {
            Key(key);
        }
        _e.Emit(new MappingStart(null, null, true, MappingStyle.Block));
    }

    /// <summary>Ends the innermost mapping.</summary>
    public void EndMapping() => _e.Emit(new MappingEnd());

    /// <summary>Starts a block sequence under <paramref name="key"/> (flow when empty, <c>[]</c>).</summary>
    public void BeginSequence(string key, bool empty = false)
    {
        Key(key);
        _e.Emit(new SequenceStart(null, null, true, empty ? SequenceStyle.Flow : SequenceStyle.Block));
    }

    /// <summary>Ends the innermost sequence.</summary>
    public void EndSequence() => _e.Emit(new SequenceEnd());

    private static string DistName(DistributionKind k) => k switch
    {
        DistributionKind.Constant => "constant",
        DistributionKind.Uniform => "uniform",
        DistributionKind.Exponential => "exponential",
        DistributionKind.LogNormal => "lognormal",
        DistributionKind.Histogram => "histogram",
        _ => throw new System.Diagnostics.UnreachableException($"distribution {k} has no name"),
    };

    private void Key(string key) => PlainValue(key);

    private void PlainValue(string value) => _e.Emit(new Scalar(null, null, value, ScalarStyle.Plain, true, false));

    private void Quoted(string value) => _e.Emit(new Scalar(null, null, value, ScalarStyle.DoubleQuoted, false, true));
}
