using System.Globalization;
using System.Text;

namespace ZoneLab.Workloads;

/// <summary>The keys of one mapping of a scenario file being written (<see cref="ScenarioWriter"/>), in the loader's units.</summary>
internal sealed class ScenarioYamlWriter
{
    private readonly StringBuilder _w;
    private readonly string _indent;

    internal ScenarioYamlWriter(StringBuilder w, string indent)
    {
        _w = w;
        _indent = indent;
    }

    /// <summary>A plain scalar (a number, a name from a fixed set, true/false).</summary>
    public void Plain(string key, string value) => _w.Append(_indent).Append(key).Append(": ").Append(value).Append('\n');

    /// <summary>An integer.</summary>
    public void Integer(string key, long value) => Plain(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A boolean.</summary>
    public void Bool(string key, bool value) => Plain(key, value ? "true" : "false");

    /// <summary>A quoted string when present.</summary>
    public void String(string key, string? value)
    {
        if (value is not null)
        {
            Plain(key, ScenarioWriter.Quote(value));
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
    public void List(string key, IEnumerable<string> items) => Plain(key, "[" + string.Join(", ", items) + "]");

    /// <summary>A distribution when present (a constant as its quantity, else <c>{dist: ...}</c>).</summary>
    public void Dist(string key, ScenarioDistribution? d)
    {
        if (d is not null)
        {
            Plain(key, ScenarioWriter.Distribution(d));
        }
    }
}
