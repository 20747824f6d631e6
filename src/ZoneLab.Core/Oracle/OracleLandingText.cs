using System.Globalization;
using System.Text;

namespace ZoneLab.Oracle;

/// <summary>The landing measure as text lines under a workload's fidelity table.</summary>
public static class OracleLandingText
{
    /// <summary>A header line with the totals, then one line per class of allocations.</summary>
    public static string Write(LandingResult l)
    {
        var sb = new StringBuilder();
        string P(double f) => f.ToString("0.0%", CultureInfo.InvariantCulture);
        long pairs = l.Classes.Sum(c => c.Pairs);
        sb.Append(CultureInfo.InvariantCulture, $"  landing ({(l.StartState ? "engine started from the guest's page state" : "engine started from re-created used memory")}): {P(l.Fraction)} of {pairs} paired allocations in the kernel's pageblock in sequence, {P(l.FractionNear)} give or take 512 allocations, {P(l.FractionAnyOrder)} in any order within the step{(l.Overrun > 0 ? $" (the guest's trace lost {l.Overrun} events)" : string.Empty)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  {"order",7} {"migratetype",-12} {"kernel",9} {"engine",9} {"pairs",9} {"same pb",9} {"near",9} {"any order",9}\n");
        foreach (LandingClass c in l.Classes)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {c.Order,7} {c.Migratetype,-12} {c.Kernel,9} {c.Engine,9} {c.Pairs,9} {c.Same,9} {c.SameNear,9} {c.SameAnyOrder,9}\n");
        }

        return sb.ToString();
    }
}
